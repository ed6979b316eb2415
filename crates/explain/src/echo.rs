//! echo: each `:errors` entry of `results.edn` (`["Expected a message with
//! :echo" request "But received" reply]`) with the ops that carried it.

use checker::history::OpType;
use edn::Value;

use crate::Finding;
use crate::ops::edn_json;
use crate::store::Run;

pub fn findings(run: &Run) -> Vec<Finding> {
    let Some(errors) = run
        .workload_results()
        .and_then(|w| w.get_kw("errors"))
        .and_then(Value::as_seq)
    else {
        return Vec::new();
    };
    errors
        .iter()
        .filter_map(|e| match e.as_seq()? {
            [_, request, .., reply] => Some((request, reply)),
            _ => None,
        })
        .map(|(request, reply)| {
            let mut finding = Finding::new(
                "echo-mismatch",
                format!(
                    "request {request} got the reply {reply}, whose echo is {}",
                    reply
                        .get_kw("echo")
                        .map_or("missing".to_string(), ToString::to_string)
                ),
            );
            let done = run.history.iter().find(|op| {
                op.f == "echo"
                    && op.kind != OpType::Invoke
                    && &op.value == reply
                    && run.invocation_of(op).is_some_and(|i| &i.value == request)
            });
            if let Some(done) = done {
                let invoke = run.invocation_of(done);
                finding.ops = invoke.iter().map(|i| i.index).chain([done.index]).collect();
                finding.evidence = invoke
                    .iter()
                    .chain([&done])
                    .map(|op| run.describe(op))
                    .collect();
                finding
                    .nodes
                    .extend(run.node_of(done.process).map(str::to_string));
            }
            finding.values = vec![edn_json(request), edn_json(reply)];
            finding
        })
        .collect()
}
