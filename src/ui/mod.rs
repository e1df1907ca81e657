//! Rendering only: every function here reads the `App` and draws; none
//! changes it.

mod detail;
mod dialogs;
mod lists;
mod policy;
mod stats;

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

/// [`footer_items`], with the agent's own key after `&` in the agent.
pub fn footer_items_for(context: Context, agent: bool) -> Vec<(&'static str, &'static str)> {
    let mut items = footer_items(context);
    if agent
        && context == Context::Ui
        && let Some(b) = keymap::binding_of(Context::Ui, keymap::Action::NextContainer)
    {
        let at = items
            .iter()
            .position(|(k, _)| *k == "&")
            .map_or(items.len(), |i| i + 1);
        items.insert(at, (b.label, b.hint));
    }
    items
}

/// The footer in at most `max` lines. When the hints do not all fit, the
/// last line ends with `? help`, which lists every key.
fn footer_lines(context: Context, agent: bool, width: u16, max: usize) -> Vec<Line<'static>> {
    let items = footer_items_for(context, agent);
    let len = |(keys, hint): &(&str, &str)| keys.chars().count() + 1 + hint.chars().count() + 2;
    let help = items.iter().find(|(k, _)| *k == "?").copied();
    let mut rows: Vec<Vec<(&str, &str)>> = vec![Vec::new()];
    let mut used = 0usize;
    for item in &items {
        let l = len(item);
        if used > 0 && used + l > width as usize {
            rows.push(Vec::new());
            used = 0;
        }
        rows.last_mut().expect("one row at least").push(*item);
        used += l;
    }
    if rows.len() > max.max(1) {
        rows.truncate(max.max(1));
        if let Some(help) = help {
            let last = rows.last_mut().expect("one row at least");
            last.retain(|i| i.0 != "?");
            while !last.is_empty()
                && last.iter().map(len).sum::<usize>() + len(&help) > width as usize
            {
                last.pop();
            }
            last.push(help);
        }
    }
    rows.into_iter()
        .map(|row| {
            let mut line = Line::default();
            for (keys, hint) in row {
                line.push_span(Span::styled(keys, Style::new().bold().fg(Color::Cyan)));
                line.push_span(Span::raw(format!(" {hint}  ")));
            }
            line
        })
        .collect()
}

/// Footer lines at most: one on short terminals, where the calls need
/// the rows more than the list of keys does.
fn footer_max(height: u16) -> usize {
    if height < 30 { 1 } else { 3 }
}

/// Lays the screen out, or `None` when the terminal is too small.
pub fn layout(area: Rect) -> Option<Areas> {
    layout_for(area, false)
}

/// [`layout`] for the agent (`agent`: its footer has a key more).
pub fn layout_for(area: Rect, agent: bool) -> Option<Areas> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    // The footer wraps to a second line on narrow terminals; both
    // contexts are measured so the layout (and the program's terminal
    // size) does not change when the focus does.
    let max = footer_max(area.height);
    let footer_h = footer_lines(Context::Ui, agent, area.width, max)
        .len()
        .max(footer_lines(Context::Program, agent, area.width, max).len())
        as u16;
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
    // The pending list keeps a row for the selected call however short
    // the terminal is.
    let [pending, program] =
        Layout::vertical([Constraint::Min(3), Constraint::Percentage(65)]).areas(left);
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
    let agent = app.agent.is_some();
    let Some(areas) = layout_for(area, agent) else {
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
        Paragraph::new(footer_lines(
            ctx,
            agent,
            areas.footer.width,
            footer_max(area.height),
        )),
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

/// Attached, there is no program pane: the process's output stays on
/// its own terminal. The area says what is attached and what leaving
/// does.
fn attached(frame: &mut Frame, app: &App, a: &crate::app::AttachedView, area: Rect) {
    let title = match app.state {
        TargetState::Running => "Attached".to_string(),
        TargetState::Exited(_) => "Attached — listener hung up".to_string(),
    };
    let dim = Style::new().fg(Color::DarkGray);
    let text = vec![
        Line::from(a.label.clone()),
        Line::styled("Its output stays on its own terminal.", dim),
        Line::styled(
            format!(
                "q leaves: waiting calls get {}; later ones hang until someone holds the \
                 listener.",
                a.leave_answer
            ),
            dim,
        ),
    ];
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(pane(title, false)),
        area,
    );
}

/// The agent has no program pane: the containers it has seen take its
/// place (id escaped, host pid, calls, live or ended).
fn containers(frame: &mut Frame, app: &App, a: &crate::app::AgentView, area: Rect) {
    // The container the filter shows (`C`), if any: highlighted, and
    // named in the title.
    let only = app
        .filter
        .as_ref()
        .filter(|f| f.query.names_container())
        .map(|f| f.query.to_string());
    let is_shown = |c: &crate::app::ContainerRow| {
        only.as_deref()
            == Some(
                crate::app::find::Query::container(&c.container.id)
                    .to_string()
                    .as_str(),
            )
    };
    let title = if a.containers.is_empty() {
        "Containers".to_string()
    } else if only.is_some() {
        format!(
            "Containers ({} live of {}) · C: only one shown",
            a.live(),
            a.containers.len()
        )
    } else {
        format!("Containers ({} live of {})", a.live(), a.containers.len())
    };
    let block = pane(title, false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let dim = Style::new().fg(Color::DarkGray);
    if a.containers.is_empty() {
        let text = vec![
            Line::from(format!("no container yet; listening on {}", a.socket)),
            Line::styled(
                "A runtime (runc, crun) connects here for each container whose seccomp profile \
                 has this listenerPath and SCMP_ACT_NOTIFY entries.",
                dim,
            ),
        ];
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
        return;
    }
    let width = inner.width as usize;
    let idw = a
        .containers
        .iter()
        .map(|c| {
            crate::escape::escape_bytes(c.container.id.as_bytes())
                .chars()
                .count()
        })
        .max()
        .unwrap_or(0)
        // What follows the id takes 30 columns (`pid 48211  12 calls  live`).
        .clamp(2, width.saturating_sub(30).max(4));
    let height = inner.height as usize;
    // The newest at the bottom, in view.
    let skip = a.containers.len().saturating_sub(height);
    let lines: Vec<Line> = a
        .containers
        .iter()
        .skip(skip)
        .map(|c| {
            let id = lists::clip(&crate::escape::escape_bytes(c.container.id.as_bytes()), idw);
            let pid = c.pid.map_or("?".to_string(), |p| p.to_string());
            let (mark, state, style) = if c.live {
                ("●", "live", Style::new().fg(Color::Green))
            } else {
                ("○", "ended", dim)
            };
            let calls = format!("{} call{}", c.calls, if c.calls == 1 { "" } else { "s" });
            let line = Line::from(vec![
                Span::styled(format!("{mark} "), style),
                Span::raw(format!("{id:<idw$} ")),
                Span::styled(format!("pid {pid:<7} {calls:>9}  "), dim),
                Span::styled(state, style),
            ]);
            if is_shown(c) {
                line.style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn program(frame: &mut Frame, app: &App, area: Rect) {
    if let Some(a) = &app.attached {
        return attached(frame, app, a, area);
    }
    if let Some(a) = &app.agent {
        return containers(frame, app, a, area);
    }
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
    let title = match app.program_scrolled() {
        0 => title,
        n => format!("{n} lines back (Shift-PgDn forward) · {title}"),
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
            Span::styled(
                clip_words(m, (area.width as usize).saturating_sub(1)),
                Style::new().fg(Color::Yellow),
            ),
        ])
    } else {
        Line::default()
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Lines longer than `width`, wrapped with a hanging indent: continuation
/// lines start under the text, not under the key or the margin that
/// begins the line (a first span that is a label, or leading spaces).
pub(crate) fn hang(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for line in lines {
        if line.width() <= width || width < 16 {
            out.push(line);
            continue;
        }
        let style = line.style;
        let mut spans = line.spans.into_iter();
        let (lead, body_style, body) = match (spans.next(), spans.len()) {
            (Some(first), n) if n > 0 => {
                let rest: Vec<Span> = spans.collect();
                let body_style = rest[0].style;
                let body: String = rest.iter().map(|s| s.content.as_ref()).collect();
                (first, body_style, body)
            }
            (Some(only), _) => {
                let text = only.content.to_string();
                let margin = text.len() - text.trim_start_matches(' ').len();
                (
                    Span::styled(" ".repeat(margin), only.style),
                    only.style,
                    text[margin..].to_string(),
                )
            }
            (None, _) => continue,
        };
        let indent = lead.width();
        if indent + 8 > width {
            out.push(Line::from(vec![lead, Span::styled(body, body_style)]).style(style));
            continue;
        }
        for (i, part) in wrap(&body, width - indent).into_iter().enumerate() {
            let first = if i == 0 {
                lead.clone()
            } else {
                Span::raw(" ".repeat(indent))
            };
            out.push(Line::from(vec![first, Span::styled(part, body_style)]).style(style));
        }
    }
    out
}

/// Word-wraps `text` to `width` columns (long words are cut), so that
/// continuation lines can be indented under their first line.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let cur = lines.last_mut().expect("one line at least");
        let cur_len = cur.chars().count();
        let len = word.chars().count();
        if cur_len > 0 && cur_len + 1 + len > width {
            lines.push(String::new());
        }
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let cur = lines.last_mut().expect("one line at least");
            if !cur.is_empty() {
                cur.push(' ');
            }
            let room = width.saturating_sub(cur.chars().count());
            if word.len() <= room {
                cur.extend(word.iter());
                break;
            }
            cur.extend(word.drain(..room));
            lines.push(String::new());
        }
    }
    lines
}

/// `s` in `width` columns, cut after a whole word (with `…`).
fn clip_words(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    for word in s.split(' ') {
        let next = out.chars().count() + usize::from(!out.is_empty()) + word.chars().count();
        if next + 1 > width {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = s.chars().take(width.saturating_sub(1)).collect();
    }
    out.push('…');
    out
}

fn status(frame: &mut Frame, app: &App, area: Rect) {
    let waiting = app.waiting();
    let (state, color) = match app.state {
        TargetState::Exited(code) if app.still_running > 0 => (
            format!(
                "program exited {code} · {} still running",
                match app.still_running {
                    1 => "1 process".to_string(),
                    n => format!("{n} processes"),
                }
            ),
            if waiting > 0 {
                Color::Yellow
            } else {
                Color::Green
            },
        ),
        TargetState::Exited(code) => (format!("exited {code}"), Color::Gray),
        TargetState::Running if waiting > 0 => ("waiting on you".to_string(), Color::Yellow),
        // The agent runs on with no container: it waits for runtimes.
        TargetState::Running if app.agent.as_ref().is_some_and(|a| a.live() == 0) => {
            ("listening".to_string(), Color::Gray)
        }
        TargetState::Running if app.agent.is_some() => {
            ("containers running".to_string(), Color::Green)
        }
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
    // What does not fit whole is left out, never cut mid-word: first the
    // kernel features one by one from the end, then the trap set.
    let width = |spans: &[Span]| spans.iter().map(|s| s.width()).sum::<usize>();
    let room = area.width as usize;
    let trap = [sep(), Span::raw(format!("trap {}", app.config.trap))];
    if width(&spans) + width(&trap) <= room {
        spans.extend(trap);
        let dim = Style::new().fg(Color::DarkGray);
        if app.config.features.is_empty() {
            let none = [sep(), Span::styled("no optional kernel features", dim)];
            if width(&spans) + width(&none) <= room {
                spans.extend(none);
            }
        } else {
            let mut features = app.config.features.clone();
            while !features.is_empty() {
                let part = [sep(), Span::styled(features.join(" "), dim)];
                if width(&spans) + width(&part) <= room {
                    spans.extend(part);
                    break;
                }
                features.pop();
            }
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests;
