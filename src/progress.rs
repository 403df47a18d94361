//! Progress bars on a terminal (stderr), hidden everywhere else (pipes,
//! CI logs, tests), so output files and stdout never carry them.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A bar of `len` steps named `unit` ("runs", "variants", ...), drawn only
/// when `enabled` and stderr is a terminal; ticks on its own so a long step
/// still shows time passing.
pub fn bar(len: u64, unit: &str, enabled: bool) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if enabled && std::io::stderr().is_terminal() {
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{bar:40}} {{pos}}/{{len}} {unit}  {{elapsed}}  ETA {{eta}}  {{msg}}"
            ))
            .expect("valid template"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar
}

/// Advances a bar by one when dropped: a step counts however it ends
/// (an early `?` return included).
pub struct TickOnDrop<'a>(pub &'a ProgressBar);

impl Drop for TickOnDrop<'_> {
    fn drop(&mut self) {
        self.0.inc(1);
    }
}
