//! The pending list and the history.

use std::time::{Instant, SystemTime};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::pane;
use crate::app::{App, Focus, GONE_LINGER};
use crate::decode::{format_call, format_call_brief};
use crate::escape::escape_bytes;
use crate::model::{Answer, Call, DecidedBy};
use crate::model::{Outcome, Record};
use crate::output::format::result_text;

/// The first row to show so that row `selected` of `len` is visible in
/// `height` rows.
pub(crate) fn first_row(selected: usize, len: usize, height: usize) -> usize {
    if height == 0 || len <= height {
        return 0;
    }
    selected.saturating_sub(height - 1).min(len - height)
}

pub(crate) fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The call in `width` columns: whole when it fits, else by its name and
/// the paths or addresses it names, which is what a person scans for,
/// cut from the left: the end of a path says the most.
pub(crate) fn fit_call(c: &Call, width: usize) -> String {
    let full = format_call(c);
    if full.chars().count() <= width {
        return full;
    }
    let name = c.name();
    let room = width.saturating_sub(name.chars().count() + 1);
    match format_call_brief(c) {
        Some(brief) if room >= 8 => {
            let named = &brief[name.len() + 1..];
            let n = named.chars().count();
            if n <= room {
                brief
            } else {
                let tail: String = named.chars().skip(n - (room - 1)).collect();
                format!("{name} …{tail}")
            }
        }
        _ => clip(&full, width),
    }
}

/// The container a call comes from, as a column `width` wide (escaped,
/// cut with `…`); `None` outside the agent.
pub(crate) fn container_tag(c: &Call, width: usize) -> Option<String> {
    let k = c.container.as_ref()?;
    let id = clip(&escape_bytes(k.id.as_bytes()), width);
    Some(format!("{id:<width$} "))
}

/// How wide the container column is for `calls`: the longest id (up to
/// a quarter of the row), 0 when no call comes from a container.
fn container_width<'a>(calls: impl Iterator<Item = &'a Call>, row: usize) -> usize {
    calls
        .filter_map(|c| c.container.as_ref())
        .map(|k| escape_bytes(k.id.as_bytes()).chars().count())
        .max()
        .map_or(0, |w| w.clamp(2, (row / 4).max(2)))
}

pub fn pending(frame: &mut Frame, app: &App, area: Rect, now: Instant) {
    let focused = app.focus == Focus::Pending;
    let shown = app.shown_pending();
    let hidden = app.pending.len() - shown.len();
    let title = if app.pending.is_empty() {
        "Pending".to_string()
    } else if hidden > 0 {
        format!(
            "Pending ({} of {}: only `{}`)",
            shown.len(),
            app.pending.len(),
            app.filter
                .as_ref()
                .map(|f| f.query.to_string())
                .unwrap_or_default()
        )
    } else {
        format!("Pending ({})", app.pending.len())
    };
    let block = pane(title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if shown.is_empty() {
        let text = if hidden > 0 {
            "no call of this container waits (C or & shows the others)"
        } else if app.continue_mode {
            "continue mode: nothing waits; space pauses"
        } else {
            "no call is waiting"
        };
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!(" {text}"),
                Style::new().fg(Color::DarkGray),
            )),
            inner,
        );
        return;
    }
    let height = inner.height as usize;
    let sel = app
        .selected_index()
        .and_then(|s| shown.iter().position(|&i| i == s))
        .unwrap_or(0);
    let start = first_row(sel, shown.len(), height);
    let width = inner.width as usize;
    // Narrow panes give the call the room a long name would take.
    let comm_w = if width < 50 { 8 } else { 15 };
    let cw = container_width(shown.iter().map(|&i| &*app.pending[i].call), width);
    let lines: Vec<Line> = shown
        .iter()
        .map(|&i| &app.pending[i])
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, p)| {
            let c = &p.call;
            let selected = i == sel;
            let marker = if selected { "▶" } else { " " };
            let comm = clip(&escape_bytes(&c.proc.comm), comm_w);
            let ctr = container_tag(c, cw).unwrap_or_default();
            let head = if width < 40 {
                format!("{marker}{ctr}{comm:<comm_w$} ")
            } else {
                format!("{marker}{ctr}{:>7} {comm:<comm_w$} ", c.proc.tgid)
            };
            let mut spans = vec![Span::raw(head.clone())];
            let mut used = head.chars().count();
            if let (Some(d), None) = (p.deadline, p.gone_since) {
                let left = d.saturating_duration_since(now).as_secs();
                let tag = format!("⏱{left}s ");
                used += tag.chars().count();
                let color = if left < 5 { Color::Red } else { Color::Yellow };
                spans.push(Span::styled(tag, Style::new().fg(color).bold()));
            }
            if let Some(t) = p.gone_since {
                let left = GONE_LINGER.saturating_sub(now.duration_since(t)).as_secs() + 1;
                let tag = format!("gone ({left}s) ");
                used += tag.chars().count();
                spans.push(Span::styled(tag, Style::new().fg(Color::Red).bold()));
            }
            let call = fit_call(c, width.saturating_sub(used));
            let style = if p.gone_since.is_some() {
                Style::new()
                    .fg(Color::DarkGray)
                    .add_modifier(Modifier::CROSSED_OUT)
            } else {
                Style::new()
            };
            spans.push(Span::styled(call, style));
            let line = Line::from(spans);
            if selected {
                line.style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Who decided, as the history says it.
pub(crate) fn who(by: &DecidedBy) -> String {
    match by {
        DecidedBy::Rule { number, origin, .. } => format!("rule {number} ({origin})"),
        DecidedBy::User => "you".into(),
        DecidedBy::Continue => "continue".into(),
        DecidedBy::Timeout => "timeout".into(),
        DecidedBy::Default => "default".into(),
        DecidedBy::Supervisor => "unotify-tui".into(),
    }
}

/// Who decided, in a word or two.
fn who_brief(by: &DecidedBy) -> String {
    match by {
        DecidedBy::Rule { number, .. } => format!("rule {number}"),
        other => who(other),
    }
}

pub(crate) fn answer_color(rec: &Record) -> Color {
    match (rec.answer, rec.outcome) {
        (_, Outcome::Gone) => Color::DarkGray,
        (Some(Answer::Allow), _) => Color::Green,
        (Some(Answer::Deny(_)), _) => Color::Red,
        (Some(Answer::Return(_)), _) => Color::Yellow,
        (Some(Answer::Emulate), _) => Color::Cyan,
        (None, _) => Color::DarkGray,
    }
}

/// Seconds since the session started, as `+12.345s`.
pub(crate) fn since(started: SystemTime, t: SystemTime) -> String {
    let d = t.duration_since(started).unwrap_or_default();
    format!("+{}.{:03}s", d.as_secs(), d.subsec_millis())
}

pub fn history(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.focus == Focus::History;
    let mut title = if app.counts.answered as usize > app.history.len() {
        format!(
            "History ({} shown of {}",
            app.history.len(),
            app.counts.answered
        )
    } else {
        format!("History ({}", app.history.len())
    };
    if app.not_drawn > 0 {
        title += &format!(" · {} came too fast to draw", app.not_drawn);
    }
    title.push(')');
    if let Some(f) = &app.filter {
        title = format!(
            "History: only `{}` ({} of {}; & changes)",
            f.query,
            f.hits.len(),
            app.history.len()
        );
    }
    let block = pane(title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    let n = app.view_len();
    if n == 0 || height == 0 {
        return;
    }
    let sel = n - 1 - app.history_back.unwrap_or(0).min(n - 1);
    let start = first_row(sel, n, height);
    let width = inner.width as usize;
    let rows = start..n.min(start + height);
    let cw = container_width(
        rows.clone()
            .filter_map(|i| app.view_get(i))
            .map(|r| &*r.call),
        width,
    );
    let lines: Vec<Line> = rows
        .filter_map(|i| app.view_get(i))
        .enumerate()
        .map(|(k, rec)| {
            let c = &rec.call;
            let at = since(app.config.started, c.received_wall);
            let ctr = container_tag(c, cw).unwrap_or_default();
            let head = if width < 70 {
                // Narrow: no pid, a shorter name, so the call keeps room.
                format!("{at:>9} {ctr}{:<8} ", clip(&escape_bytes(&c.proc.comm), 8))
            } else {
                format!(
                    "{at:>9} {ctr}{:>7} {:<12} ",
                    c.proc.tgid,
                    clip(&escape_bytes(&c.proc.comm), 12)
                )
            };
            let ran = if app.ran.contains_key(&c.notif.id) {
                " · ran"
            } else {
                ""
            };
            let mut result = format!(
                " → {}{ran}  {}",
                result_text(rec.answer, rec.outcome),
                who(&rec.decided_by)
            );
            let mut room = width.saturating_sub(head.chars().count() + result.chars().count());
            if room < 24 {
                // Narrow: the call matters more than the rule's origin.
                result = format!(
                    " → {}{ran}  {}",
                    result_text(rec.answer, rec.outcome),
                    who_brief(&rec.decided_by)
                );
                room = width.saturating_sub(head.chars().count() + result.chars().count());
            }
            let call = fit_call(c, room.max(12));
            // The built-in quiet rules' calls are there to be looked up, not read.
            let quiet = matches!(rec.decided_by, DecidedBy::Rule { quiet: true, .. });
            let line = if quiet {
                Line::styled(
                    format!("{head}{call}{result}"),
                    Style::new().fg(Color::DarkGray),
                )
            } else {
                Line::from(vec![
                    Span::styled(head, Style::new().fg(Color::DarkGray)),
                    Span::raw(call),
                    Span::styled(result, Style::new().fg(answer_color(rec))),
                ])
            };
            if focused && start + k == sel {
                line.style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_row_keeps_selection_visible() {
        assert_eq!(first_row(0, 5, 10), 0);
        assert_eq!(first_row(9, 20, 10), 0);
        assert_eq!(first_row(10, 20, 10), 1);
        assert_eq!(first_row(19, 20, 10), 10);
        assert_eq!(first_row(3, 20, 0), 0);
    }

    #[test]
    fn a_narrow_row_keeps_the_path() {
        let c = crate::model::testing::openat("/etc/hostname", libc::O_RDONLY | libc::O_CLOEXEC);
        assert_eq!(fit_call(&c, 200), format_call(&c));
        let full = format_call(&c);
        assert!(full.starts_with("openat("), "{full}");
        let n = full.chars().count();
        assert_eq!(fit_call(&c, n - 1), "openat \"/etc/hostname\"");
        assert_eq!(fit_call(&c, 18), "openat …/hostname\"");
    }

    #[test]
    fn clip_marks_cuts() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
