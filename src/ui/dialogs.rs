//! Dialogs drawn over the main screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use crate::app::keymap::KEYMAP;
use crate::app::{App, Dialog, errno_matches};

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
        Dialog::Errno {
            input,
            selected,
            always,
        } => errno(frame, app, input, *selected, *always, area),
        Dialog::Scope(d) => super::policy::scope(frame, d, area),
        Dialog::Rules { selected } => super::policy::rules(frame, app, *selected, area),
        Dialog::SavePath { input, error } => {
            super::policy::save_path(frame, input, error.as_deref(), area)
        }
        Dialog::Return { input, error } => ret(frame, app, input, error.as_deref(), area),
        Dialog::Help { scroll } => scrolled(frame, "Help", help_text(), *scroll, area),
        Dialog::Filter { scroll } => {
            let mut lines = vec![
                Line::from(
                    "The program runs under this classic BPF program. The kernel runs it on \
                     every system call: RET USER_NOTIF stops the call and asks unotify-tui, \
                     RET ALLOW lets it run untouched (and unseen).",
                ),
                Line::default(),
            ];
            lines.extend(app.config.filter.iter().map(|l| Line::raw(l.clone())));
            scrolled(frame, "Filter", lines, *scroll, area);
        }
        Dialog::Quit => quit(frame, app, area),
    }
}

fn errno(frame: &mut Frame, app: &App, input: &str, selected: usize, always: bool, area: Rect) {
    let r = centered(area, 64, 20);
    frame.render_widget(Clear, r);
    let name = app
        .selected_call()
        .map(|p| p.call.name())
        .unwrap_or_default();
    let block = frame_block(&if always {
        format!("always deny {name} with which errno?")
    } else {
        format!("deny {name} with which errno?")
    });
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let matches = errno_matches(input);
    let list_h = inner.height.saturating_sub(3) as usize;
    let start = super::lists::first_row(selected, matches.len(), list_h);
    let mut lines = vec![input_line(input)];
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
        lines.push(if i == selected {
            line.style(Style::new().add_modifier(Modifier::REVERSED))
        } else {
            line
        });
    }
    with_footer(
        frame,
        lines,
        if always {
            "type to filter · ↑↓ choose · Enter next: the scope · Esc cancel"
        } else {
            "type to filter · ↑↓ choose · Enter deny · Esc cancel"
        },
        inner,
    );
}

/// A text field: what was typed, escaped, and a cursor.
pub(crate) fn input_line(input: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled("> ", Style::new().fg(Color::Cyan)),
        Span::raw(crate::escape::escape_str(input)),
        Span::styled("▏", Style::new().fg(Color::Cyan)),
    ])
}

/// Draws `lines` in `inner` with `footer` as a hint on its last row.
pub(crate) fn with_footer(frame: &mut Frame, lines: Vec<Line<'_>>, footer: &str, inner: Rect) {
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
    frame.render_widget(Paragraph::new(hint(footer)), foot);
}

fn ret(frame: &mut Frame, app: &App, input: &str, error: Option<&str>, area: Rect) {
    let r = centered(area, 64, 10);
    frame.render_widget(Clear, r);
    let name = app
        .selected_call()
        .map(|p| p.call.name())
        .unwrap_or_default();
    let block = frame_block(&format!("{name} returns which value?"));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let mut lines = vec![input_line(input)];
    match error {
        Some(e) => lines.push(Line::styled(e.to_string(), Style::new().fg(Color::Red))),
        None => lines.push(Line::default()),
    }
    lines.push(Line::from(
        "The kernel skips the call and hands this number back as its result. Values \
         from -4095 to -1 read as errors to the C library; to fail a call, deny it.",
    ));
    lines.push(hint("decimal or 0x… · Enter send · Esc cancel"));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn quit(frame: &mut Frame, app: &App, area: Rect) {
    let r = centered(area, 72, 12);
    frame.render_widget(Clear, r);
    let block = frame_block("Quit unotify-tui?");
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let waiting = app.waiting();
    let mut lines = Vec::new();
    if waiting > 0 {
        lines.push(Line::styled(
            format!("{waiting} call(s) still wait for an answer."),
            Style::new().fg(Color::Yellow),
        ));
    }
    lines.push(Line::from(vec![
        Span::styled("k  Enter ", Style::new().fg(Color::Cyan).bold()),
        Span::raw("kill the program (its pending calls end with it)"),
    ]));
    lines.push(Line::from(vec![
        Span::styled("l        ", Style::new().fg(Color::Cyan).bold()),
        Span::raw(
            "let it run on unsupervised: unotify-tui closes the listener, so every \
             trapped call (pending ones too) fails with ENOSYS; its terminal is relayed \
             until it exits",
        ),
    ]));
    lines.push(Line::from(vec![
        Span::styled("Esc      ", Style::new().fg(Color::Cyan).bold()),
        Span::raw("stay"),
    ]));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn scrolled(frame: &mut Frame, title: &str, lines: Vec<Line<'static>>, scroll: u16, area: Rect) {
    let r = centered(
        area,
        area.width.saturating_sub(8).min(100),
        area.height.saturating_sub(4),
    );
    frame.render_widget(Clear, r);
    let block =
        frame_block(title).title_bottom(hint(" ↑↓ PgUp PgDn scroll · any other key closes "));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        r,
    );
}

/// The help screen: the keymap table, then the ideas behind it.
pub fn help_text() -> Vec<Line<'static>> {
    let key = |s: &str| Span::styled(format!("{s:<20}"), Style::new().fg(Color::Cyan).bold());
    let head = |s: &str| Line::styled(s.to_string(), Style::new().bold().fg(Color::Blue));
    let mut lines = vec![head("Keys")];
    for b in KEYMAP {
        lines.push(Line::from(vec![key(b.label), Span::raw(b.help)]));
    }
    lines.push(Line::raw(
        "Ctrl-C outside the program pane asks to quit, like q.",
    ));
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
             and returns the result.",
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
    lines
}
