//! The pending list and the history.

use std::time::{Instant, SystemTime};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::pane;
use crate::app::{App, Focus, GONE_LINGER};
use crate::decode::format_call;
use crate::escape::escape_bytes;
use crate::model::{Answer, DecidedBy};
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

fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

pub fn pending(frame: &mut Frame, app: &App, area: Rect, now: Instant) {
    let focused = app.focus == Focus::Pending;
    let title = if app.pending.is_empty() {
        "Pending".to_string()
    } else {
        format!("Pending ({})", app.pending.len())
    };
    let block = pane(title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.pending.is_empty() {
        let text = if app.continue_mode {
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
    let sel = app.selected_index().unwrap_or(0);
    let start = first_row(sel, app.pending.len(), height);
    let width = inner.width as usize;
    let lines: Vec<Line> = app
        .pending
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, p)| {
            let c = &p.call;
            let selected = i == sel;
            let marker = if selected { "▶" } else { " " };
            let head = format!(
                "{marker}{:>7} {:<15} ",
                c.tgid,
                clip(&escape_bytes(&c.comm), 15)
            );
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
            let call = clip(&format_call(c), width.saturating_sub(used));
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
    let block = pane(title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    let n = app.history.len();
    if n == 0 || height == 0 {
        return;
    }
    let sel = n - 1 - app.history_back.unwrap_or(0).min(n - 1);
    let start = first_row(sel, n, height);
    let width = inner.width as usize;
    let lines: Vec<Line> = app
        .history
        .range(start..n.min(start + height))
        .enumerate()
        .map(|(k, rec)| {
            let c = &rec.call;
            let head = format!(
                "{:>9} {:>7} {:<12} ",
                since(app.config.started, c.received_wall),
                c.tgid,
                clip(&escape_bytes(&c.comm), 12)
            );
            let result = format!(
                " → {}  {}",
                result_text(rec.answer, rec.outcome),
                who(&rec.decided_by)
            );
            let room = width.saturating_sub(head.chars().count() + result.chars().count());
            let call = clip(&format_call(c), room.max(12));
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
    fn clip_marks_cuts() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
