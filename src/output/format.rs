//! The headless trace line and the JSON Lines log record.

use serde_json::{Value as Json, json};

use crate::decode::{self, format_call, format_value};
use crate::escape::escape_bytes;
use crate::model::{Answer, Call, Outcome, RealPath, Record, Stack, Value};
use crate::time::rfc3339;

/// What the target got, in strace's `= result` style.
pub fn result_text(answer: Option<Answer>, outcome: Outcome) -> String {
    let verb = answer.map(|a| a.keyword()).unwrap_or("none");
    match outcome {
        Outcome::Continued => "allow".to_string(),
        Outcome::Returned(v) => format!("{verb} = {v}"),
        Outcome::Failed(e) => format!("{verb} = -1 {} ({})", e.name(), e.description()),
        Outcome::Refused(e, why) => format!("{verb} refused = -1 {} ({})", e.name(), why.text()),
        Outcome::Gone => match answer {
            Some(_) => format!("{verb} (gone: interrupted or exited before the answer)"),
            None => "gone (interrupted or exited before a decision)".to_string(),
        },
    }
}

/// What an allowed call returned: the kernel ran it and kept the result.
pub const RESULT_UNKNOWN: &str = "result unknown: the kernel ran it";

/// `[1234 mkdir] mkdir("/tmp/x", 0700) → emulate = 0   (rule 1, r.toml:3)`;
/// an allowed call ends in ` = ?`, as strace writes a result it cannot
/// know. A call from a container (the agent) starts with its id:
/// `[ctr1] [1234 mkdir] …`.
pub fn trace_line(rec: &Record) -> String {
    let c = &rec.call;
    let unknown = if rec.outcome == Outcome::Continued {
        " = ?"
    } else {
        ""
    };
    format!(
        "{}[{} {}] {} → {}{unknown}   ({})",
        container_prefix(c),
        c.proc.tgid,
        escape_bytes(&c.proc.comm),
        format_call(c),
        result_text(rec.answer, rec.outcome),
        rec.decided_by
    )
}

/// `[ID] ` for a call from a container, else nothing.
pub fn container_prefix(c: &Call) -> String {
    match &c.container {
        Some(k) => format!("[{}] ", escape_bytes(k.id.as_bytes())),
        None => String::new(),
    }
}

/// The trace's lines under a call with `--stack`: one indented line per
/// frame, then why the walk stopped early, if it did. Symbolizes here, on
/// the output's thread.
pub fn stack_lines(stack: &Stack) -> Vec<String> {
    let mut lines: Vec<String> = decode::stack::symbolize(stack)
        .iter()
        .enumerate()
        .map(|(i, f)| format!("    {}", decode::stack::frame_text(i, f)))
        .collect();
    if let Some(why) = &stack.stop {
        lines.push(format!("    {}", decode::stack::stop_text(why)));
    }
    lines
}

fn stack_json(stack: &Stack) -> Json {
    Json::Array(
        decode::stack::symbolize(stack)
            .iter()
            .map(|f| {
                json!({
                    "addr": format!("{:#x}", f.addr),
                    "symbol": f.symbol.as_ref().map(|(name, off)| format!("{name}+{off:#x}")),
                    "object": f.object.as_deref().map(bytes_json),
                    "file": f.file.as_deref().map(bytes_json),
                    "line": f.line,
                })
            })
            .collect(),
    )
}

/// The line saying which allowed execve ran, once the process's next call
/// shows its new executable: `[1234 ls] ran: execve("/usr/bin/ls", …)`.
pub fn exec_ran_line(exec: &Call, now: &Call) -> String {
    format!(
        "{}[{} {}] ran: {} (the process is now {})",
        container_prefix(exec),
        exec.proc.tgid,
        escape_bytes(&exec.proc.comm),
        format_call(exec),
        escape_bytes(&now.proc.exe)
    )
}

/// The trace's last line, as strace ends its output: `+++ exited with 3
/// +++`, `+++ killed by SIGKILL +++`, for the target's wait status.
pub fn exit_line(status: i32) -> String {
    if libc::WIFSIGNALED(status) {
        let sig = libc::WTERMSIG(status);
        let name = nix::sys::signal::Signal::try_from(sig)
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|_| format!("signal {sig}"));
        let core = if libc::WCOREDUMP(status) {
            " (core dumped)"
        } else {
            ""
        };
        format!("+++ killed by {name}{core} +++")
    } else {
        format!("+++ exited with {} +++", libc::WEXITSTATUS(status))
    }
}

/// Target bytes as JSON: a string when they are UTF-8 (JSON escapes keep
/// every byte recoverable), else `{"hex": "..."}`.
pub fn bytes_json(b: &[u8]) -> Json {
    match std::str::from_utf8(b) {
        Ok(s) => Json::String(s.to_string()),
        Err(_) => json!({ "hex": b.iter().map(|x| format!("{x:02x}")).collect::<String>() }),
    }
}

fn value_json(v: &Value) -> Json {
    match v {
        Value::Path { given, resolved } => json!({
            "path": bytes_json(given),
            "resolved": resolved.as_deref().map(bytes_json),
        }),
        Value::Str(s) => json!({ "string": bytes_json(s) }),
        Value::Fd { fd, target, .. } => json!({
            "fd": fd,
            "target": target.as_deref().map(bytes_json),
        }),
        Value::Argv { items, more } => json!({
            "argv": items.iter().map(|i| bytes_json(i)).collect::<Vec<_>>(),
            "truncated": more,
        }),
        Value::Partial { bytes, errno } => json!({
            "partial": bytes_json(bytes),
            "errno": crate::errno::Errno::new(*errno).map(|e| e.name()),
        }),
        Value::Unreadable { addr, errno } => json!({
            "unreadable": format!("{addr:#x}"),
            "errno": crate::errno::Errno::new(*errno).map(|e| e.name()),
        }),
        _ => Json::Null,
    }
}

/// `"real"`: the file the kernel touches (symlinks, `..` and /proc/self
/// followed in the program's view), or `null` and `"real_unknown"`: why
/// it could not be found.
fn real_json(r: &RealPath) -> serde_json::Map<String, Json> {
    let mut m = serde_json::Map::new();
    match r {
        RealPath::Found(p) => {
            m.insert("real".into(), bytes_json(p));
        }
        RealPath::Unresolved(why) => {
            m.insert("real".into(), Json::Null);
            m.insert("real_unknown".into(), Json::String(why.clone()));
        }
    }
    m
}

fn answer_json(a: Option<Answer>) -> Json {
    match a {
        None => Json::Null,
        Some(Answer::Deny(e)) => json!({ "action": "deny", "errno": e.name() }),
        Some(Answer::Return(v)) => json!({ "action": "return", "value": v }),
        Some(a) => json!({ "action": a.keyword() }),
    }
}

/// One JSON Lines record.
pub fn log_record(rec: &Record) -> Json {
    let c: &Call = &rec.call;
    let (result, ret) = match rec.outcome {
        Outcome::Gone => ("gone", Json::Null),
        Outcome::Continued => ("sent", Json::Null),
        Outcome::Returned(v) => ("sent", json!({ "value": v })),
        Outcome::Failed(e) => ("sent", json!({ "errno": e.name() })),
        Outcome::Refused(e, why) => ("sent", json!({ "errno": e.name(), "refused": why.text() })),
    };
    let mut record = json!({
        "time": rfc3339(c.received_wall),
        // A string: ids use all 64 bits, and JSON readers that hold
        // numbers as doubles (jq, JavaScript) would merge nearby ids.
        "id": c.notif.id.to_string(),
        "pid": c.proc.tgid,
        "tid": c.notif.pid,
        "comm": bytes_json(&c.proc.comm),
        "exe": bytes_json(&c.proc.exe),
        "syscall": c.name(),
        "nr": c.notif.nr,
        "args": c.notif.args.iter().map(|a| format!("{a:#x}")).collect::<Vec<_>>(),
        "decoded": c.args.iter().enumerate().map(|(i, a)| {
            let mut o = json!({ "name": a.name, "text": format_value(&a.value) });
            let extra = value_json(&a.value);
            if let (Some(obj), Json::Object(more)) = (o.as_object_mut(), extra) {
                obj.extend(more);
                if let Some(real) = c.real.get().and_then(|r| r.of_arg(i)) {
                    obj.extend(real_json(real));
                }
            }
            o
        }).collect::<Vec<_>>(),
        "answer": answer_json(rec.answer),
        "decided_by": rec.decided_by.to_string(),
        "result": result,
        "return": ret,
        "latency_us": rec.latency.as_micros() as u64,
    });
    if rec.outcome == Outcome::Continued
        && let Some(o) = record.as_object_mut()
    {
        o.insert("return_unknown".into(), Json::String(RESULT_UNKNOWN.into()));
    }
    if let (Some(k), Some(o)) = (&c.container, record.as_object_mut()) {
        o.insert(
            "container".into(),
            json!({ "id": k.id, "metadata": k.metadata }),
        );
    }
    // With --stack: the frames, and why the walk stopped early (null when
    // it reached the program's first frame).
    if let (Some(stack), Some(o)) = (&c.stack, record.as_object_mut()) {
        o.insert("stack".into(), stack_json(stack));
        o.insert(
            "stack_stop".into(),
            stack
                .stop
                .as_ref()
                .map_or(Json::Null, |w| Json::String(w.clone())),
        );
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ids_are_exact_strings_and_real_paths_sit_beside_the_path() {
        use crate::model::testing::{FakeCall, path_arg};
        use crate::model::{DecidedBy, RealPaths};
        use syscalls::Sysno;
        let mut call = FakeCall::new(Some(Sysno::openat), [0; 6])
            .args(vec![
                path_arg("dirfd", "AT_FDCWD"),
                path_arg("pathname", "/tmp/l/hostname"),
            ])
            .id(11_713_420_100_270_132_805)
            .build();
        call.real = std::sync::OnceLock::from(RealPaths {
            paths: vec![
                (0, RealPath::Unresolved("gone".into())),
                (1, RealPath::Found(b"/etc/hostname".to_vec())),
            ],
            proc_self: None,
        });
        let rec = Record {
            call: std::sync::Arc::new(call),
            answer: Some(Answer::Allow),
            decided_by: DecidedBy::User,
            outcome: Outcome::Continued,
            latency: std::time::Duration::ZERO,
        };
        let j = log_record(&rec);
        assert_eq!(j["id"], "11713420100270132805");
        assert_eq!(j["decoded"][1]["path"], "/tmp/l/hostname");
        assert_eq!(j["decoded"][1]["real"], "/etc/hostname");
        assert_eq!(j["decoded"][0]["real"], Json::Null);
        assert_eq!(j["decoded"][0]["real_unknown"], "gone");
        assert!(trace_line(&rec).contains("\"/tmp/l/hostname\" → /etc/hostname"));
    }

    #[test]
    fn a_container_call_carries_its_id_in_the_trace_and_the_log() {
        use crate::model::testing::{FakeCall, path_arg};
        use crate::model::{Container, DecidedBy};
        let mut call = FakeCall::new(Some(syscalls::Sysno::mkdir), [0; 6])
            .args(vec![path_arg("pathname", "/tmp/x")])
            .build();
        call.container = Some(std::sync::Arc::new(Container {
            id: "ctr\x1b1".into(),
            metadata: Some("m".into()),
        }));
        let rec = Record {
            call: std::sync::Arc::new(call),
            answer: Some(Answer::Allow),
            decided_by: DecidedBy::Default,
            outcome: Outcome::Continued,
            latency: std::time::Duration::ZERO,
        };
        let line = trace_line(&rec);
        assert!(line.starts_with("[ctr\\e1] [100 prog] mkdir("), "{line}");
        let j = log_record(&rec);
        assert_eq!(j["container"]["id"], "ctr\x1b1");
        assert_eq!(j["container"]["metadata"], "m");
    }

    #[test]
    fn bytes_keep_exact_value() {
        assert_eq!(bytes_json(b"a\x1bb"), Json::String("a\x1bb".into()));
        assert_eq!(bytes_json(b"\xff/x"), json!({"hex": "ff2f78"}));
    }

    #[test]
    fn exit_lines() {
        assert_eq!(exit_line(3 << 8), "+++ exited with 3 +++");
        assert_eq!(exit_line(libc::SIGKILL), "+++ killed by SIGKILL +++");
        assert_eq!(
            exit_line(libc::SIGSEGV | 0x80),
            "+++ killed by SIGSEGV (core dumped) +++"
        );
    }

    #[test]
    fn results() {
        use crate::errno::Errno;
        assert_eq!(
            result_text(Some(Answer::Allow), Outcome::Continued),
            "allow"
        );
        assert_eq!(
            result_text(
                Some(Answer::Deny(Errno::EPERM)),
                Outcome::Failed(Errno::EPERM)
            ),
            "deny = -1 EPERM (Operation not permitted)"
        );
        assert_eq!(
            result_text(Some(Answer::Emulate), Outcome::Returned(3)),
            "emulate = 3"
        );
        assert!(result_text(None, Outcome::Gone).starts_with("gone"));
    }
}
