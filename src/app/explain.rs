//! Plain words about one call: what each answer would do to it.

use super::notes;
use crate::errno::Errno;
use crate::model::Call;
use crate::model::emulation as emulate;

/// One line per answer key: (key, what it would do to this call).
pub fn effects(call: &Call, errno: Errno) -> Vec<(&'static str, String)> {
    let name = call.name();
    let emulate = match emulate::refusal(call) {
        Some(why) => format!("not available: {why}"),
        None => notes::note(&name)
            .and_then(|n| n.emulate.clone())
            .unwrap_or_else(|| format!("unotify-tui performs {name} itself")),
    };
    vec![
        (
            "a",
            format!("the kernel runs {name} as asked (not a security boundary: ? explains)"),
        ),
        (
            "d D",
            format!(
                "{name} fails with {} ({}), or with an errno you pick (D)",
                errno.name(),
                errno.description()
            ),
        ),
        (
            "r",
            format!("{name} returns a number you type; nothing is done"),
        ),
        ("e", emulate),
    ]
}
