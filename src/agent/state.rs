//! The OCI container process state a runtime sends with a container's
//! seccomp listener (runtime-spec, config-linux.md, `listenerPath`):
//!
//! ```json
//! {"ociVersion": "1.0.2-dev", "fds": ["seccompFd"], "pid": 4422,
//!  "metadata": "…", "state": {"ociVersion": "…", "id": "ctr1",
//!  "status": "creating", "pid": 4422, "bundle": "/b", "annotations": {}}}
//! ```
//!
//! Only what the agent uses is checked: `fds` (which received fd is the
//! listener) and `state.id`. `ociVersion` is not: crun sends "0.2.0",
//! runc "1.0.2-dev".

use serde_json::Value;

use crate::model::Container;

/// What the agent takes from a container process state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessState {
    pub container: Container,
    /// The position of `"seccompFd"` in `fds`: which of the fds that came
    /// with the message is the listener.
    pub seccomp_fd: usize,
    /// The container process's pid, in the agent's pid namespace (the
    /// runtime's, which is the same on one host).
    pub pid: Option<i64>,
    pub bundle: Option<String>,
}

/// The name runtimes give the listener in `fds`.
pub const SECCOMP_FD: &str = "seccompFd";

/// Whether `bytes` hold a whole JSON value yet: `Ok(None)` when more
/// may come, `Ok(Some(v))` once it is complete, `Err` when it can never
/// become JSON.
pub fn complete(bytes: &[u8]) -> Result<Option<Value>, String> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_eof() => Ok(None),
        Err(e) => Err(format!("malformed JSON ({e})")),
    }
}

/// The parts of a container process state the agent needs.
pub fn parse(v: &Value) -> Result<ProcessState, String> {
    let Value::Object(top) = v else {
        return Err("the container process state is not a JSON object".into());
    };
    let fds = match top.get("fds") {
        Some(Value::Array(a)) => a,
        Some(_) => return Err("`fds` is not a list of names".into()),
        None => return Err("the state has no `fds` (which fd is the listener?)".into()),
    };
    let seccomp_fd = fds
        .iter()
        .position(|f| f.as_str() == Some(SECCOMP_FD))
        .ok_or_else(|| format!("`fds` names no \"{SECCOMP_FD}\""))?;
    let state = match top.get("state") {
        Some(Value::Object(s)) => s,
        Some(_) => return Err("`state` is not an object".into()),
        None => return Err("the state has no `state` (the container's id)".into()),
    };
    let id = match state.get("id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        Some(Value::String(_)) => return Err("`state.id` is empty".into()),
        _ => return Err("`state.id` is missing or not a string".into()),
    };
    let metadata = match top.get("metadata") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        // Not what the spec says, but no reason to turn a container away.
        Some(other) => Some(other.to_string()),
    };
    let pid = top
        .get("pid")
        .and_then(Value::as_i64)
        .or_else(|| state.get("pid").and_then(Value::as_i64));
    let bundle = state
        .get("bundle")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(ProcessState {
        container: Container { id, metadata },
        seccomp_fd,
        pid,
        bundle,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNC: &str = r#"{"ociVersion":"1.0.2-dev","fds":["seccompFd"],"pid":4422,
        "metadata":"","state":{"ociVersion":"1.0.2-dev","id":"ctr1","status":"creating",
        "pid":4422,"bundle":"/tmp/b","annotations":{"a":"b"}}}"#;

    #[test]
    fn runc_state() {
        let v = complete(RUNC.as_bytes()).unwrap().unwrap();
        let s = parse(&v).unwrap();
        assert_eq!(s.container.id, "ctr1");
        assert_eq!(s.container.metadata, None);
        assert_eq!(s.seccomp_fd, 0);
        assert_eq!(s.pid, Some(4422));
        assert_eq!(s.bundle.as_deref(), Some("/tmp/b"));
    }

    #[test]
    fn any_oci_version_and_the_listener_anywhere_in_fds() {
        let t = r#"{"ociVersion":"0.2.0","fds":["other","seccompFd"],"metadata":"m",
            "state":{"id":"x"}}"#;
        let s = parse(&complete(t.as_bytes()).unwrap().unwrap()).unwrap();
        assert_eq!(s.seccomp_fd, 1);
        assert_eq!(s.container.metadata.as_deref(), Some("m"));
        assert_eq!(s.pid, None);
    }

    #[test]
    fn json_cut_anywhere_waits_for_more() {
        for cut in 1..RUNC.len() {
            assert_eq!(complete(&RUNC.as_bytes()[..cut]), Ok(None), "cut at {cut}");
        }
        assert!(
            complete(b"{\"a\" 1}")
                .unwrap_err()
                .starts_with("malformed JSON")
        );
        assert!(complete(b"{} x").is_err(), "trailing bytes");
    }

    #[test]
    fn what_is_missing_is_named() {
        let err = |t: &str| parse(&serde_json::from_str(t).unwrap()).unwrap_err();
        assert!(err("[]").contains("not a JSON object"));
        assert!(err(r#"{"state":{"id":"x"}}"#).contains("no `fds`"));
        assert!(err(r#"{"fds":["x"],"state":{"id":"x"}}"#).contains("names no"));
        assert!(err(r#"{"fds":["seccompFd"]}"#).contains("no `state`"));
        assert!(err(r#"{"fds":["seccompFd"],"state":{"id":3}}"#).contains("state.id"));
        assert!(err(r#"{"fds":["seccompFd"],"state":{"id":""}}"#).contains("empty"));
    }
}
