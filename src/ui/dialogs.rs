//! Dialogs drawn over the main screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use super::hang;
use crate::app::dialogs::{ErrnoPicker, FindPrompt, ReturnDialog};
use crate::app::keymap::{self, Context};
use crate::app::{App, Dialog, TextInput, errno_matches};

pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

pub(crate) fn frame_block(title: &str) -> Block<'static> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(Color::Cyan))
        .title(Span::styled(format!(" {title} "), Style::new().bold()))
}

pub(crate) fn hint(s: &str) -> Line<'static> {
    Line::styled(s.to_string(), Style::new().fg(Color::DarkGray))
}

pub fn dialog(frame: &mut Frame, app: &App, d: &Dialog, area: Rect) {
    match d {
        Dialog::Errno(d) => errno(frame, app, d, area),
        Dialog::Scope(d) => super::policy::scope(frame, d, area),
        Dialog::Rules(d) => super::policy::rules(frame, app, d.selected, area),
        Dialog::SavePath(d) => super::policy::save_path(frame, d, area),
        Dialog::Return(d) => ret(frame, app, d, area),
        Dialog::Help(s) => scrolled(frame, "Help", Context::Help, help_text(), s.scroll, area),
        Dialog::Filter(s) => {
            let mut lines = vec![
                Line::from(
                    "The program runs under this classic BPF program. The kernel runs it on \
                     every system call: RET USER_NOTIF stops the call and asks unotify-tui, \
                     RET ALLOW lets it run untouched (and unseen).",
                ),
                Line::default(),
            ];
            lines.extend(app.config.filter.iter().map(|l| Line::raw(l.clone())));
            scrolled(frame, "Filter", Context::Filter, lines, s.scroll, area);
        }
        Dialog::Quit => quit(frame, app, area),
        Dialog::QuitAgent => quit_agent(frame, app, area),
        Dialog::Find(d) => find(frame, d, area),
        Dialog::Stats(v) => super::stats::stats(frame, app, v, area),
    }
}

/// `/` and `&`: the query prompt, with the words a query knows.
fn find(frame: &mut Frame, d: &FindPrompt, area: Rect) {
    let r = centered(area, 76, 9);
    frame.render_widget(Clear, r);
    let block = frame_block(if d.filter {
        "show only the history entries matching"
    } else {
        "search history for"
    });
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let lines = vec![
        input_line(&d.input),
        Line::default(),
        Line::from(
            "Words that must all match: an answer (allow deny return emulate gone), who \
             decided (rule you default timeout continue), a syscall or @group, pid N, comm \
             NAME, a path glob (/etc/*, *.so).",
        ),
    ];
    let body = Rect {
        height: inner.height.saturating_sub(1),
        ..inner
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    let foot = Rect {
        y: inner.y + inner.height.saturating_sub(1),
        height: 1,
        ..inner
    };
    frame.render_widget(Paragraph::new(hint(&footer_text(d.context()))), foot);
}

fn errno(frame: &mut Frame, app: &App, d: &ErrnoPicker, area: Rect) {
    let r = centered(area, 64, 20);
    frame.render_widget(Clear, r);
    let name = app
        .selected_call()
        .map(|p| p.call.name())
        .unwrap_or_default();
    let block = frame_block(&if d.always {
        format!("always deny {name} with which errno?")
    } else {
        format!("deny {name} with which errno?")
    });
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let matches = errno_matches(d.input.text());
    let list_h = inner.height.saturating_sub(3) as usize;
    let start = super::lists::first_row(d.selected, matches.len(), list_h);
    let mut lines = vec![input_line(&d.input)];
    if matches.is_empty() {
        lines.push(hint("no errno matches; Enter accepts a number"));
    }
    for (i, e) in matches.iter().enumerate().skip(start).take(list_h) {
        let line = Line::from(vec![
            Span::styled(format!(" {:<16}", e.name()), Style::new().bold()),
            Span::styled(
                format!("{:>4}  ", e.raw()),
                Style::new().fg(Color::DarkGray),
            ),
            Span::raw(e.description()),
        ]);
        lines.push(if i == d.selected {
            line.style(Style::new().add_modifier(Modifier::REVERSED))
        } else {
            line
        });
    }
    with_footer(frame, lines, d.context(), inner);
}

/// A text field: what was typed, escaped, and a cursor.
pub(crate) fn input_line(input: &TextInput) -> Line<'static> {
    Line::from(vec![
        Span::styled("> ", Style::new().fg(Color::Cyan)),
        Span::raw(crate::escape::escape_str(input.text())),
        Span::styled("▏", Style::new().fg(Color::Cyan)),
    ])
}

/// A dialog's footer: its context's footer bindings from the keymap.
pub(crate) fn footer_text(context: Context) -> String {
    keymap::footer(context)
        .map(|b| format!("{} {}", b.label, b.hint))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Draws `lines` in `inner` with the footer of `context` as a hint on its
/// last row.
pub(crate) fn with_footer(frame: &mut Frame, lines: Vec<Line<'_>>, context: Context, inner: Rect) {
    let body = Rect {
        height: inner.height.saturating_sub(1),
        ..inner
    };
    frame.render_widget(Paragraph::new(lines), body);
    let foot = Rect {
        y: inner.y + inner.height.saturating_sub(1),
        height: 1,
        ..inner
    };
    frame.render_widget(Paragraph::new(hint(&footer_text(context))), foot);
}

fn ret(frame: &mut Frame, app: &App, d: &ReturnDialog, area: Rect) {
    let r = centered(area, 64, 10);
    frame.render_widget(Clear, r);
    let name = app
        .selected_call()
        .map(|p| p.call.name())
        .unwrap_or_default();
    let block = frame_block(&format!("{name} returns which value?"));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let mut lines = vec![input_line(&d.input)];
    match &d.error {
        Some(e) => lines.push(Line::styled(e.clone(), Style::new().fg(Color::Red))),
        None => lines.push(Line::default()),
    }
    lines.push(Line::from(
        "The kernel skips the call and hands this number back as its result. Values \
         from -4095 to -1 read as errors to the C library; to fail a call, deny it.",
    ));
    lines.push(hint(&footer_text(Context::Return)));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn quit(frame: &mut Frame, app: &App, area: Rect) {
    let width = area.width.min(72);
    let waiting = app.waiting();
    let mut lines = Vec::new();
    if waiting > 0 {
        let calls = if waiting == 1 {
            "call still waits"
        } else {
            "calls still wait"
        };
        lines.push(Line::styled(
            format!("{waiting} {calls} for an answer."),
            Style::new().fg(Color::Yellow),
        ));
    }
    if app.state != crate::app::TargetState::Running && app.still_running > 0 {
        lines.push(Line::styled(
            match app.still_running {
                1 => "The program exited; 1 process it started still runs.".to_string(),
                n => format!("The program exited; {n} processes it started still run."),
            },
            Style::new().fg(Color::Yellow),
        ));
    }
    // The dialog is its keys: each with what it does.
    lines.extend(key_lines(Context::Quit));
    let lines = hang(lines, width.saturating_sub(2) as usize);
    // As tall as what it says, no taller.
    let r = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, r);
    let block = frame_block("Quit unotify-tui?");
    let inner = block.inner(r);
    frame.render_widget(block, r);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// `q` in the agent while containers run: which ones lose their
/// supervisor, and what that means for their calls.
fn quit_agent(frame: &mut Frame, app: &App, area: Rect) {
    let width = area.width.min(72);
    let mut lines = Vec::new();
    if let Some(a) = &app.agent {
        let live: Vec<String> = a
            .containers
            .iter()
            .filter(|c| c.live)
            .map(|c| crate::escape::escape_bytes(c.container.id.as_bytes()))
            .collect();
        lines.push(Line::styled(
            format!(
                "{} container{} still run{}: {}.",
                live.len(),
                if live.len() == 1 { "" } else { "s" },
                if live.len() == 1 { "s" } else { "" },
                live.join(", ")
            ),
            Style::new().fg(Color::Yellow),
        ));
    }
    let waiting = app.waiting();
    if waiting > 0 {
        lines.push(Line::styled(
            format!(
                "{waiting} call{} still wait{} for an answer.",
                if waiting == 1 { "" } else { "s" },
                if waiting == 1 { "s" } else { "" }
            ),
            Style::new().fg(Color::Yellow),
        ));
    }
    lines.extend(key_lines(Context::QuitAgent));
    let lines = hang(lines, width.saturating_sub(2) as usize);
    let r = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, r);
    let block = frame_block("Quit the agent?");
    let inner = block.inner(r);
    frame.render_widget(block, r);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The bindings of `context`, one line each: the keys, then the help.
fn key_lines(context: Context) -> Vec<Line<'static>> {
    let width = keymap::bindings(context)
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(0);
    keymap::bindings(context)
        .map(|b| {
            Line::from(vec![
                Span::styled(
                    format!("{:<width$} ", b.label),
                    Style::new().fg(Color::Cyan).bold(),
                ),
                Span::raw(b.help),
            ])
        })
        .collect()
}

fn scrolled(
    frame: &mut Frame,
    title: &str,
    context: Context,
    lines: Vec<Line<'static>>,
    scroll: u16,
    area: Rect,
) {
    let r = centered(
        area,
        area.width.saturating_sub(8).min(100),
        area.height.saturating_sub(4),
    );
    frame.render_widget(Clear, r);
    let block = frame_block(title).title_bottom(hint(&format!(" {} ", footer_text(context))));
    let lines = hang(lines, block.inner(r).width as usize);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        r,
    );
}

/// The help's heading for the keys of the dialogs.
pub const DIALOG_KEYS: &str = "Keys in dialogs";

/// The help screen: the keymap table's main screen, the ideas behind it,
/// then the keys of every dialog.
pub fn help_text() -> Vec<Line<'static>> {
    let key = |s: &str| Span::styled(format!("{s:<19} "), Style::new().fg(Color::Cyan).bold());
    let head = |s: &str| Line::styled(s.to_string(), Style::new().bold().fg(Color::Blue));
    let mut lines = vec![head(Context::Ui.title())];
    for b in keymap::bindings(Context::Ui).chain(keymap::bindings(Context::Program)) {
        lines.push(Line::from(vec![key(b.label), Span::raw(b.help)]));
    }
    lines.push(Line::default());
    lines.push(head("The four answers"));
    for (k, text) in [
        (
            "allow",
            "SECCOMP_USER_NOTIF_FLAG_CONTINUE: the kernel runs the call as the program asked.",
        ),
        (
            "deny",
            "error = -errno: the call fails with that errno and nothing happens.",
        ),
        (
            "return",
            "val = N: the call \"succeeds\" with N, but nothing happens (spoofing).",
        ),
        (
            "emulate",
            "unotify-tui does the work itself with the arguments it copied (mkdir, open via \
             SECCOMP_IOCTL_NOTIF_ADDFD, unlink, connect/bind/listen on a pidfd_getfd copy) \
             as the program: its uids, groups, capabilities and umask at that call, the path \
             walked from its root and cwd; it returns the result, or refuses when it can't \
             take the program's identity.",
        ),
    ] {
        lines.push(Line::from(vec![key(k), Span::raw(text)]));
    }
    lines.push(Line::default());
    lines.push(head("Who decides"));
    lines.push(Line::raw(
        "Rules (--rules files, then the built-in quiet rules) are tried first, in order; the \
         first match answers at once without asking. Then continue mode allows. Anything \
         left waits here for you. A rule with action = \"ask\" always asks, even in continue \
         mode.",
    ));
    lines.push(Line::default());
    lines.push(head("Stacked filters"));
    lines.push(Line::raw(
        "If the program installs seccomp filters of its own, the kernel runs them all and \
         the strictest action wins: KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > USER_NOTIF \
         > TRACE > LOG > ALLOW. A call another filter denies never reaches unotify-tui.",
    ));
    lines.push(Line::default());
    lines.push(head("Why allow is not a security boundary (TOCTOU)"));
    lines.push(Line::raw(
        "unotify-tui reads a path out of the program's memory and shows it to you. When \
         you allow, the kernel reads that memory again to run the call. In between, \
         another thread of the program can change it: you approved /tmp/x, the kernel \
         opens /etc/shadow. So allow is fine for watching and debugging, but it cannot \
         contain a hostile program. Emulate is safe: unotify-tui acts on the copy you saw.",
    ));
    lines.push(Line::default());
    lines.push(head("Gone calls"));
    lines.push(Line::raw(
        "A call can vanish while it waits: a signal interrupts it (it may come back as a \
         new call when restarted) or its thread exits. It is marked gone and moves to \
         history.",
    ));
    lines.push(Line::default());
    lines.push(head(DIALOG_KEYS));
    for context in Context::dialogs() {
        lines.push(Line::styled(context.title(), Style::new().bold()));
        for b in keymap::bindings(context) {
            lines.push(Line::from(vec![key(b.label), Span::raw(b.help)]));
        }
        lines.push(Line::default());
    }
    lines
}
