//! The terminal in dashboard mode: raw input and the alternate screen,
//! always given back, whether the dashboard returns, errors or panics.

use std::io::{self, Stdout};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::{cursor, execute, terminal as term};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The terminal in dashboard mode; restored when dropped.
pub struct Screen {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

/// Installs the panic hook, then enters raw mode and the alternate screen.
pub fn enter() -> io::Result<Screen> {
    install_panic_hook();
    term::enable_raw_mode()?;
    // From here on, a failure must still give the terminal back.
    let entered = execute!(
        io::stdout(),
        term::EnterAlternateScreen,
        EnableMouseCapture,
        cursor::Hide
    )
    .and_then(|_| Terminal::new(CrosstermBackend::new(io::stdout())));
    match entered {
        Ok(terminal) => Ok(Screen { terminal }),
        Err(e) => {
            restore();
            Err(e)
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// Stops mouse reporting, leaves the alternate screen and raw mode;
/// harmless when already restored. A shell left with mouse reporting on
/// would receive escape codes for every click.
pub fn restore() {
    let _ = term::disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        term::LeaveAlternateScreen,
        cursor::Show
    );
}

/// Restores the terminal before the default hook prints, so the panic
/// message lands on a usable terminal instead of the alternate screen, then
/// exits: a panic on any thread (a run task included) leaves the dashboard
/// without its screen, and drawing on would garble the shell. Exiting kills
/// nothing by hand: every backend and build is supervised and its process
/// group goes down with glomers (parent-death signal).
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
        std::process::exit(PANIC_EXIT);
    }));
}

/// The status Rust gives a process that dies of a panic.
const PANIC_EXIT: i32 = 101;
