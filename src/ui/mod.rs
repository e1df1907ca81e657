//! Rendering only: every function here reads the `App` and draws; none
//! changes it.

mod detail;
mod dialogs;
mod lists;
mod policy;

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};
use tui_term::widget::{Cursor, PseudoTerminal};

use crate::app::keymap::{self, Context};
use crate::app::{App, Focus, TargetState};

pub use dialogs::{DIALOG_KEYS, help_text};

/// Below this the screen says so instead of drawing a broken layout.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

/// Where each part of the screen goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub pending: Rect,
    pub history: Rect,
    pub detail: Rect,
    pub program: Rect,
    pub message: Rect,
    pub status: Rect,
    pub footer: Rect,
}

impl Areas {
    /// The program pane's inside: the size the program's terminal gets.
    pub fn program_inner(&self) -> Rect {
        Block::bordered().inner(self.program)
    }
}

/// The footer's hints for `context`, as (keys, hint) pairs.
pub fn footer_items(context: Context) -> Vec<(&'static str, &'static str)> {
    keymap::footer(context).map(|b| (b.label, b.hint)).collect()
}

fn footer_lines(context: Context, width: u16) -> Vec<Line<'static>> {
    let mut lines = vec![Line::default()];
    let mut used = 0usize;
    for (keys, hint) in footer_items(context) {
        let len = keys.chars().count() + 1 + hint.chars().count() + 2;
        if used > 0 && used + len > width as usize {
            lines.push(Line::default());
            used = 0;
        }
        let line = lines.last_mut().expect("one line at least");
        line.push_span(Span::styled(keys, Style::new().bold().fg(Color::Cyan)));
        line.push_span(Span::raw(format!(" {hint}  ")));
        used += len;
    }
    lines
}

/// Lays the screen out, or `None` when the terminal is too small.
pub fn layout(area: Rect) -> Option<Areas> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    // The footer wraps to a second line on narrow terminals; both
    // contexts are measured so the layout (and the program's terminal
    // size) does not change when the focus does.
    let footer_h = footer_lines(Context::Ui, area.width)
        .len()
        .max(footer_lines(Context::Program, area.width).len()) as u16;
    let [body, message, status, footer] = Layout::vertical([
        Constraint::Min(8),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(footer_h),
    ])
    .areas(area);
    // History lines are long (time, process, call, result, who): they get
    // the full width below; calls, program and detail share the top.
    let [top, history] =
        Layout::vertical([Constraint::Percentage(64), Constraint::Percentage(36)]).areas(body);
    let [left, detail] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    let [pending, program] =
        Layout::vertical([Constraint::Percentage(35), Constraint::Percentage(65)]).areas(left);
    Some(Areas {
        pending,
        history,
        detail,
        program,
        message,
        status,
        footer,
    })
}

/// A pane's frame: bold and coloured when it has the focus.
pub(crate) fn pane(title: String, focused: bool) -> Block<'static> {
    let b = Block::bordered().title(Span::styled(
        format!(" {title} "),
        if focused {
            Style::new().bold().fg(Color::Yellow)
        } else {
            Style::new().bold()
        },
    ));
    if focused {
        b.border_type(BorderType::Thick)
            .border_style(Style::new().fg(Color::Yellow))
    } else {
        b.border_style(Style::new().fg(Color::DarkGray))
    }
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App, now: Instant) {
    let area = frame.area();
    let Some(areas) = layout(area) else {
        too_small(frame, area);
        return;
    };
    lists::pending(frame, app, areas.pending, now);
    lists::history(frame, app, areas.history);
    detail::detail(frame, app, areas.detail);
    program(frame, app, areas.program);
    message(frame, app, areas.message, now);
    status(frame, app, areas.status);
    let ctx = if app.focus == Focus::Program {
        Context::Program
    } else {
        Context::Ui
    };
    frame.render_widget(
        Paragraph::new(footer_lines(ctx, areas.footer.width)),
        areas.footer,
    );
    if let Some(d) = &app.dialog {
        dialogs::dialog(frame, app, d, area);
    }
}

fn too_small(frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::from("terminal too small".bold()),
        Line::from(format!(
            "{}×{}, needs at least {MIN_WIDTH}×{MIN_HEIGHT}",
            area.width, area.height
        )),
        Line::from("enlarge it, or q to quit"),
    ];
    let y = area.height.saturating_sub(3) / 2;
    let inner = Rect {
        y: area.y + y,
        height: area.height.saturating_sub(y).min(3),
        ..area
    };
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        inner,
    );
}

fn program(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.focus == Focus::Program;
    let title = match app.state {
        TargetState::Running if focused => {
            format!(
                "Program (keys go here, Ctrl-] back): {}",
                app.config.program
            )
        }
        TargetState::Running => format!("Program: {}", app.config.program),
        TargetState::Exited(code) => format!("Program: {} — exited {code}", app.config.program),
    };
    let mut cursor = Cursor::default();
    if !focused || app.dialog.is_some() {
        cursor.hide();
    }
    let term = PseudoTerminal::new(app.screen.screen())
        .block(pane(title, focused))
        .cursor(cursor);
    frame.render_widget(term, area);
}

fn message(frame: &mut Frame, app: &App, area: Rect, now: Instant) {
    let line = if let Some(err) = &app.failed {
        Line::from(vec![
            Span::styled(
                " error ",
                Style::new().bg(Color::Red).fg(Color::White).bold(),
            ),
            Span::raw(format!(" {err}")),
        ])
    } else if let Some(m) = app.current_message(now) {
        Line::from(vec![
            Span::raw(" "),
            Span::styled(m.to_string(), Style::new().fg(Color::Yellow)),
        ])
    } else {
        Line::default()
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn status(frame: &mut Frame, app: &App, area: Rect) {
    let waiting = app.waiting();
    let (state, color) = match app.state {
        TargetState::Exited(code) => (format!("exited {code}"), Color::Gray),
        TargetState::Running if waiting > 0 => ("waiting on you".to_string(), Color::Yellow),
        TargetState::Running => ("running".to_string(), Color::Green),
    };
    let c = &app.counts;
    let sep = || Span::styled(" │ ", Style::new().fg(Color::DarkGray));
    let mut spans = vec![
        Span::styled(
            format!(" {state} "),
            Style::new()
                .bg(color)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!(
            " pending {} · answered {} (rules {}, you {}",
            waiting, c.answered, c.by_rules, c.by_you
        )),
    ];
    if c.by_continue > 0 {
        spans.push(Span::raw(format!(", continue {}", c.by_continue)));
    }
    if c.by_timeout > 0 {
        spans.push(Span::raw(format!(", timeout {}", c.by_timeout)));
    }
    if c.gone > 0 {
        spans.push(Span::raw(format!(", gone {}", c.gone)));
    }
    spans.push(Span::raw(")"));
    if app.log_failed {
        spans.push(sep());
        spans.push(Span::styled(
            "log not written",
            Style::new().fg(Color::Red).bold(),
        ));
    }
    if app.continue_mode {
        spans.push(sep());
        spans.push(Span::styled(
            "continue mode",
            Style::new().fg(Color::Magenta).bold(),
        ));
    }
    spans.push(sep());
    spans.push(Span::raw(format!("trap {}", app.config.trap)));
    spans.push(sep());
    spans.push(Span::styled(
        if app.config.features.is_empty() {
            "no optional kernel features".to_string()
        } else {
            app.config.features.join(" ")
        },
        Style::new().fg(Color::DarkGray),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests;
