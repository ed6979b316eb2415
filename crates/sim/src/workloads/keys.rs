//! The key pool shared by the kafka and txn generators: `key_count` active
//! keys, index `i` chosen with probability ∝ 2^i, values 1, 2, ... up to
//! `max_writes` per key, and an exhausted key replaced by `max(active) + 1`.

use std::collections::HashMap;

use rand::Rng;

pub struct KeyPool {
    active: Vec<i64>,
    written: HashMap<i64, i64>,
    max_writes: i64,
}

impl KeyPool {
    pub fn new(key_count: usize, max_writes: usize) -> Self {
        KeyPool {
            active: (0..key_count as i64).collect(),
            written: HashMap::new(),
            max_writes: max_writes as i64,
        }
    }

    /// A key, the last active one about half the time.
    pub fn pick(&self, rng: &mut impl Rng) -> i64 {
        let k = self.active.len();
        // Counting coin flips from the end gives index k-1-j with weight 2^-(j+1);
        // rejecting j ≥ k leaves exactly the weights ∝ 2^i.
        loop {
            let mut j = 0;
            while rng.random_bool(0.5) {
                j += 1;
            }
            if j < k {
                return self.active[k - 1 - j];
            }
        }
    }

    /// The next unused value for `key`; retires the key when it has run out.
    pub fn next_value(&mut self, key: i64) -> i64 {
        let count = self.written.entry(key).or_insert(0);
        *count += 1;
        let value = *count;
        if value >= self.max_writes
            && let Some(pos) = self.active.iter().position(|k| *k == key)
        {
            let fresh = self.active.iter().max().copied().unwrap_or(0) + 1;
            self.active[pos] = fresh;
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn later_keys_are_exponentially_likelier_and_values_are_used_once() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let pool = KeyPool::new(4, 16);
        let mut counts = [0usize; 4];
        for _ in 0..15000 {
            counts[pool.pick(&mut rng) as usize] += 1;
        }
        for i in 0..3 {
            let ratio = counts[i + 1] as f64 / counts[i] as f64;
            assert!((1.7..2.3).contains(&ratio), "{counts:?}");
        }
        let mut pool = KeyPool::new(2, 3);
        let values: Vec<i64> = (0..3).map(|_| pool.next_value(1)).collect();
        assert_eq!(values, [1, 2, 3]);
        assert_eq!(pool.active, [0, 2], "exhausted key 1 is replaced by max+1");
    }
}
