//! The scope dialog, the rule list and the save dialog.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::dialogs::{centered, footer_text, frame_block, hint, input_line, with_footer};
use super::lists::{first_row, since};
use crate::app::App;
use crate::app::dialogs::{SavePrompt, ScopeDialog};
use crate::app::keymap::{self, Action, Context};
use crate::decode::format_call;
use crate::policy::rules::RuleAction;
use crate::policy::scope::{Lifetime, Narrow};

fn selected_style(on: bool) -> Style {
    if on {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new()
    }
}

pub fn scope(frame: &mut Frame, d: &ScopeDialog, area: Rect) {
    let height = (d.scopes.len() as u16 + 9).min(area.height);
    let r = centered(area, 96, height);
    frame.render_widget(Clear, r);
    let block = frame_block(&format!("always {} — which calls?", d.answer));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let mut lines = vec![Line::from(vec![
        Span::styled("from ", Style::new().fg(Color::DarkGray)),
        Span::raw(format_call(&d.call)),
    ])];
    lines.push(Line::default());
    for (i, s) in d.scopes.iter().enumerate() {
        let (waiting, past) = d.counts.get(i).copied().unwrap_or_default();
        let marker = if i == d.selected { "▶ " } else { "  " };
        lines.push(
            Line::from(vec![
                Span::raw(format!("{marker}{}", s.label_with(d.narrow))),
                Span::styled(
                    format!("   {waiting} waiting · {past} in history"),
                    Style::new().fg(Color::DarkGray),
                ),
            ])
            .style(selected_style(i == d.selected)),
        );
    }
    lines.push(Line::default());
    let narrow = match d.narrow {
        Narrow::Any if d.call.container.is_some() => "any program, in any container".to_string(),
        Narrow::Any => "any program".to_string(),
        Narrow::Exe => "this executable only".to_string(),
        Narrow::Comm => "this process name only".to_string(),
        Narrow::Container => format!(
            "this container only: {}",
            crate::escape::escape_bytes(
                d.call
                    .container
                    .as_ref()
                    .map(|k| k.id.as_bytes())
                    .unwrap_or_default()
            )
        ),
    };
    let lifetime = match d.lifetime {
        Lifetime::Session => "this session only",
        Lifetime::Save => "this session, and saved by w to the rule file",
    };
    // The two settings, each with its key and hint from the keymap.
    for (action, setting) in [(Action::Narrow, narrow.as_str()), (Action::Keep, lifetime)] {
        if let Some(b) = keymap::binding_of(Context::Scope, action) {
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", b.label), Style::new().fg(Color::Cyan).bold()),
                Span::raw(format!("{}: {setting}", b.hint)),
            ]));
        }
    }
    lines.push(hint(&footer_text(Context::Scope)));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// Columns before the rule's text: ` #  on action hits last hit  `.
const HEAD_WIDTH: usize = 47;

/// `s` in `width` columns, cut with `…`.
fn clip_to(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

pub fn rules(frame: &mut Frame, app: &App, selected: usize, area: Rect) {
    let r = centered(
        area,
        area.width.saturating_sub(6).min(120),
        area.height.saturating_sub(4),
    );
    frame.render_widget(Clear, r);
    let list = app.rules.snapshot();
    let block = frame_block(&format!(
        "Rules ({}) — the first enabled match decides",
        list.len()
    ));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let rows = inner.height.saturating_sub(2) as usize;
    let selected = selected.min(list.len().saturating_sub(1));
    let start = first_row(selected, list.len(), rows);
    let mut lines = vec![Line::styled(
        format!(
            " {:>3}  {:<3} {:<16} {:>7}  {:<9}  {}",
            "#", "on", "action", "hits", "last hit", "rule · origin"
        ),
        Style::new().fg(Color::DarkGray),
    )];
    for (i, info) in list.iter().enumerate().skip(start).take(rows) {
        let action = match info.action {
            RuleAction::Answer(a) => a.to_string(),
            RuleAction::Ask => "ask".to_string(),
        };
        let last = info
            .last_hit
            .map(|t| since(app.config.started, t))
            .unwrap_or_else(|| "—".into());
        let unsaved = if info.unsaved { " (to save)" } else { "" };
        // The origin stays whole; a long rule is cut instead.
        let origin = format!("  · {}{unsaved}", info.origin);
        let room = |origin: &str| {
            (inner.width as usize).saturating_sub(HEAD_WIDTH + origin.chars().count())
        };
        let style = if info.enabled {
            Style::new()
        } else {
            Style::new().fg(Color::DarkGray)
        };
        lines.push(
            Line::from(vec![
                Span::styled(
                    format!(
                        " {:>3}  {:<3} {:<16} {:>7}  {:<9}  ",
                        info.number,
                        if info.enabled { "✓" } else { "–" },
                        action,
                        info.hits,
                        last
                    ),
                    style,
                ),
                Span::styled(clip_to(&info.description, room(&origin)), style),
                Span::styled(origin.clone(), Style::new().fg(Color::DarkGray)),
            ])
            .style(selected_style(i == selected)),
        );
    }
    with_footer(frame, lines, Context::Rules, inner);
}

pub fn save_path(frame: &mut Frame, d: &SavePrompt, area: Rect) {
    let r = centered(area, 72, 8);
    frame.render_widget(Clear, r);
    let block = frame_block("write the rules to which file?");
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let mut lines = vec![input_line(&d.input)];
    lines.push(match &d.error {
        Some(e) => Line::styled(e.clone(), Style::new().fg(Color::Red)),
        None => Line::default(),
    });
    lines.push(Line::from(
        "Rules are added to the file; what it holds already stays as it is. \
         Use it later with --rules FILE.",
    ));
    lines.push(hint(&footer_text(Context::SavePath)));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
