//! TEMPORARY stub until the decoder lands.
use super::event::{Arg, Call, Value};
pub trait TargetView {
    fn read_mem(&self, addr: u64, buf: &mut [u8]) -> Result<usize, i32>;
    fn fd_target(&self, fd: i32) -> Option<Vec<u8>>;
    fn cwd(&self) -> Option<Vec<u8>>;
    fn socket_local(&self, fd: i32) -> Option<Vec<u8>>;
}
pub fn decode_args(_s: Option<syscalls::Sysno>, args: &[u64; 6], _v: &dyn TargetView) -> Vec<Arg> {
    args.iter()
        .map(|a| Arg {
            name: "arg",
            raw: *a,
            value: Value::Hex(*a),
        })
        .collect()
}
pub fn format_value(v: &Value) -> String {
    format!("{v:?}")
}
pub fn format_call(c: &Call) -> String {
    format!("{}({:?})", c.name(), c.notif.args)
}
