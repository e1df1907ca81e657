//! The call site of a trapped call (`--stack`): the frames captured before
//! the call was answered, and their names once symbolized.

use std::any::Any;
use std::sync::{Arc, OnceLock};

/// The most frames captured for one call.
pub const MAX_FRAMES: usize = 16;

/// One captured frame: an address in the program and the object it lies
/// in, held so it can be symbolized after the program has moved on (or
/// exited). The object is opaque here: `decode::stack` knows what it is.
#[derive(Clone, Debug)]
pub struct RawFrame {
    /// The first frame's pc is the syscall instruction's return address
    /// in the wrapper; every later one is a return address.
    pub pc: u64,
    pub object: Option<Arc<dyn Any + Send + Sync>>,
}

/// One frame with names, for the trace, the log and the detail pane.
/// `None` fields are unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    pub addr: u64,
    /// The function (demangled), and how far into it `addr` is.
    pub symbol: Option<(String, u64)>,
    /// The mapped file, as the program names it.
    pub object: Option<Vec<u8>>,
    pub file: Option<Vec<u8>>,
    pub line: Option<u32>,
}

/// The captured stack of one call.
#[derive(Clone, Debug, Default)]
pub struct Stack {
    /// Innermost first.
    pub frames: Vec<RawFrame>,
    /// Why the walk ended before the outermost frame (`None`: it reached
    /// the program's first frame), in words.
    pub stop: Option<String>,
    /// Filled by `decode::stack::symbolize`, off the receiver thread.
    pub symbols: OnceLock<Vec<Frame>>,
}

impl Stack {
    /// A stack that could not be read at all.
    pub fn unreadable(why: impl Into<String>) -> Stack {
        Stack {
            stop: Some(why.into()),
            ..Stack::default()
        }
    }
}
