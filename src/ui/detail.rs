//! The detail pane: the selected call, every argument decoded beside its
//! raw value, the process, and what each answer would do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::lists::{answer_color, since, who};
use super::{hang, pane, wrap};
use crate::app::{App, Focus};
use crate::app::{explain, notes};
use crate::decode::{format_value, stack};
use crate::escape::{escape_bytes, escape_str};
use crate::model::{Call, Outcome, RealPath, Value};
use crate::output::format::{RESULT_UNKNOWN, result_text};

fn heading(s: &str) -> Line<'static> {
    Line::from(Span::styled(
        s.to_string(),
        Style::new().bold().fg(Color::Blue),
    ))
}

fn signature_lines(call: &Call, width: usize) -> Vec<Line<'static>> {
    let names: Vec<&str> = call.args.iter().map(|a| a.name).collect();
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{}({})", call.name(), names.join(", ")),
            Style::new().bold(),
        ),
        Span::styled(
            format!("   syscall {}", call.notif.nr),
            Style::new().fg(Color::DarkGray),
        ),
    ])];
    let name_w = names.iter().map(|n| n.len()).max().unwrap_or(0);
    let real = call.real.get();
    for (i, a) in call.args.iter().enumerate() {
        let raw = format!("{:#x}", a.raw);
        let value = format_value(&a.value);
        // The raw register goes to the right when there is room, else on
        // a line of its own below the value.
        let room = width.saturating_sub(2 + name_w + 2 + raw.len() + 2);
        let indent = format!("  {:<name_w$}  ", a.name);
        if value.chars().count() <= room {
            let pad = room - value.chars().count();
            lines.push(Line::from(vec![
                Span::raw(indent),
                Span::raw(value),
                Span::raw(" ".repeat(pad + 2)),
                Span::styled(raw, Style::new().fg(Color::DarkGray)),
            ]));
        } else {
            let hang = " ".repeat(4 + name_w);
            let parts = wrap(&value, width.saturating_sub(hang.len()));
            for (i, part) in parts.into_iter().enumerate() {
                let lead = if i == 0 { indent.clone() } else { hang.clone() };
                lines.push(Line::from(vec![Span::raw(lead), Span::raw(part)]));
            }
            lines.push(Line::from(vec![
                Span::raw(hang),
                Span::styled(raw, Style::new().fg(Color::DarkGray)),
            ]));
        }
        // The real path only where it tells something: it differs from
        // how the path reads, or it could not be found.
        let differs = |r: &RealPath| match (r, &a.value) {
            (RealPath::Found(p), Value::Path { given, resolved }) => {
                p != resolved.as_ref().unwrap_or(given)
            }
            _ => true,
        };
        if let Some(r) = real.and_then(|r| r.of_arg(i)).filter(|r| differs(r)) {
            lines.extend(real_path_lines(r, name_w, width));
        }
    }
    lines
}

/// Under a path argument: the file the kernel will touch (what rules
/// match), or why it could not be found (rules then match the path as
/// written).
fn real_path_lines(r: &RealPath, name_w: usize, width: usize) -> Vec<Line<'static>> {
    let hang = " ".repeat(4 + name_w);
    let (text, color) = match r {
        RealPath::Found(p) => (format!("→ real: {}", escape_bytes(p)), Color::Cyan),
        RealPath::Unresolved(why) => (
            format!(
                "→ real path unknown ({}): rules match it as written",
                escape_str(why)
            ),
            Color::Yellow,
        ),
    };
    wrap(&text, width.saturating_sub(hang.len()))
        .into_iter()
        .map(|part| {
            Line::from(vec![
                Span::raw(hang.clone()),
                Span::styled(part, Style::new().fg(color)),
            ])
        })
        .collect()
}

fn process_lines(call: &Call, cwd: Option<&[u8]>) -> Vec<Line<'static>> {
    let mut lines = vec![Line::default(), heading("process")];
    // The runtime's strings: escaped like the program's.
    if let Some(k) = &call.container {
        let meta = match &k.metadata {
            Some(m) => format!(" · metadata {}", escape_bytes(m.as_bytes())),
            None => String::new(),
        };
        lines.push(Line::raw(format!(
            "  container {}{meta}",
            escape_bytes(k.id.as_bytes())
        )));
    }
    let tid = call.notif.pid;
    let thread = if tid == call.proc.tgid {
        String::new()
    } else {
        format!(" · tid {tid}")
    };
    lines.push(Line::raw(format!(
        "  pid {}{thread} · comm {} · parent {}",
        call.proc.tgid,
        escape_bytes(&call.proc.comm),
        call.proc.ppid
    )));
    lines.push(Line::raw(format!("  exe {}", escape_bytes(&call.proc.exe))));
    if let Some(cwd) = cwd {
        lines.push(Line::raw(format!("  cwd {}", escape_bytes(cwd))));
    }
    lines.push(Line::raw(format!(
        "  fsuid {} · fsgid {} · umask {:04o}",
        call.proc.creds.fsuid, call.proc.creds.fsgid, call.proc.creds.umask
    )));
    lines
}

/// The stack section (`--stack`): one line per frame, named once the
/// symbolizer thread has worked the names out; `b` hides it.
fn stack_lines(call: &Call, show: bool) -> Vec<Line<'static>> {
    let Some(stack) = &call.stack else {
        return Vec::new();
    };
    let dim = Style::new().fg(Color::DarkGray);
    let mut lines = vec![Line::default()];
    if !show {
        lines.push(Line::styled("stack hidden · b shows it", dim));
        return lines;
    }
    lines.push(Line::from(vec![
        Span::styled("stack", Style::new().bold().fg(Color::Blue)),
        Span::styled(" · b hides it", dim),
    ]));
    match stack.symbols.get() {
        Some(frames) => {
            for (i, f) in frames.iter().enumerate() {
                lines.push(Line::raw(format!("  {}", stack::frame_text(i, f))));
            }
        }
        None => {
            for (i, f) in stack.frames.iter().enumerate() {
                lines.push(Line::raw(format!("  #{i} {:#x}", f.pc)));
            }
            lines.push(Line::styled("  (working out names…)", dim));
        }
    }
    if let Some(why) = &stack.stop {
        lines.push(Line::styled(format!("  {}", stack::stop_text(why)), dim));
    }
    lines
}

pub fn detail(frame: &mut Frame, app: &App, area: Rect) {
    let history = app.focus == Focus::History;
    let inner = pane(String::new(), false).inner(area);
    let width = inner.width as usize;
    let mut lines = Vec::new();
    if history {
        if let Some(rec) = app.selected_record() {
            lines.extend(signature_lines(&rec.call, width));
            lines.push(Line::default());
            lines.push(heading("answer"));
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(
                    result_text(rec.answer, rec.outcome),
                    Style::new().fg(answer_color(rec)).bold(),
                ),
                Span::raw(format!(
                    " · by {} · {} after it arrived",
                    who(&rec.decided_by),
                    human_duration(rec.latency)
                )),
            ]));
            if rec.outcome == Outcome::Continued {
                lines.push(Line::styled(
                    format!("  {RESULT_UNKNOWN}"),
                    Style::new().fg(Color::DarkGray),
                ));
            }
            if let Some(exe) = app.ran.get(&rec.call.notif.id) {
                lines.push(Line::raw(format!(
                    "  this execve ran: the process is now {}",
                    escape_bytes(exe)
                )));
            }
            lines.push(Line::raw(format!(
                "  arrived {}",
                since(app.config.started, rec.call.received_wall)
            )));
            lines.extend(process_lines(&rec.call, None));
            lines.extend(stack_lines(&rec.call, app.show_stack));
        } else {
            lines.push(Line::styled(
                " nothing answered yet",
                Style::new().fg(Color::DarkGray),
            ));
        }
    } else if let Some(p) = app.selected_call() {
        let call = &p.call;
        lines.extend(signature_lines(call, width));
        if p.gone_since.is_some() {
            lines.push(Line::default());
            lines.push(Line::styled(
                "gone: the call was interrupted (a signal) or its thread exited before it \
                 was answered; there is nothing left to answer",
                Style::new().fg(Color::Red),
            ));
        } else {
            lines.push(Line::default());
            lines.push(heading("your answer"));
            for (key, text) in explain::effects(call, app.config.errno) {
                for (i, part) in wrap(&text, width.saturating_sub(7)).into_iter().enumerate() {
                    let lead = if i == 0 {
                        Span::styled(format!("  {key:<3}  "), Style::new().fg(Color::Cyan).bold())
                    } else {
                        Span::raw("       ")
                    };
                    lines.push(Line::from(vec![lead, Span::raw(part)]));
                }
            }
            if let Some(note) = notes::note(&call.name()) {
                lines.push(Line::default());
                lines.push(heading("what it does"));
                for part in wrap(&note.what, width.saturating_sub(2)) {
                    lines.push(Line::raw(format!("  {part}")));
                }
            }
        }
        lines.extend(process_lines(call, p.cwd.as_deref()));
        lines.extend(stack_lines(call, app.show_stack));
    } else {
        lines.push(Line::styled(
            " no call is waiting; trapped calls show here as they arrive",
            Style::new().fg(Color::DarkGray),
        ));
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::raw(" "),
            "?".cyan().bold(),
            Span::raw(" explains the keys and the four answers; "),
            "f".cyan().bold(),
            Span::raw(" shows the filter"),
        ]));
    }
    let lines = hang(lines, width);
    // Every line is wrapped now, so the count is the rows it takes.
    let more = lines.len() > inner.height as usize;
    let offset = app
        .detail_offset()
        .min(lines.len().saturating_sub(inner.height as usize) as u16);
    let title = match (more, offset) {
        (false, _) => "Detail".to_string(),
        (true, 0) => "Detail · ] more below".to_string(),
        (true, _) => "Detail · [ ] scroll".to_string(),
    };
    frame.render_widget(pane(title, false), area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((offset, 0)),
        inner,
    );
}

fn human_duration(d: std::time::Duration) -> String {
    if d.as_secs() >= 1 {
        format!("{:.1} s", d.as_secs_f64())
    } else if d.as_millis() >= 1 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{} µs", d.as_micros())
    }
}

#[cfg(test)]
mod tests {
    use crate::ui::wrap;

    #[test]
    fn wraps_words_and_cuts_long_ones() {
        assert_eq!(wrap("aaa bbbb cc", 8), vec!["aaa bbbb", "cc"]);
        assert_eq!(wrap("abcdefghijk x", 8), vec!["abcdefgh", "ijk x"]);
        assert_eq!(wrap("", 10), vec![""]);
        for l in wrap("the kernel runs openat as asked, every word kept", 12) {
            assert!(l.chars().count() <= 12, "{l}");
        }
    }
}
