//! `s`: the stats view, the table `--summary` prints, live.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::dialogs::{centered, footer_text, frame_block, hint};
use crate::app::App;
use crate::app::dialogs::StatsView;
use crate::app::keymap::Context;

pub fn stats(frame: &mut Frame, app: &App, v: &StatsView, area: Rect) {
    let r = centered(
        area,
        area.width.saturating_sub(4).min(130),
        area.height.saturating_sub(4),
    );
    frame.render_widget(Clear, r);
    let block = frame_block(&format!("Calls per syscall, sorted by {}", v.sort.header()))
        .title_bottom(hint(&format!(" {} ", footer_text(Context::Stats))));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let summary = app.summary.lock().unwrap_or_else(|e| e.into_inner());
    let mut lines = vec![hint(
        "every answered call (also those history skipped); latency from receipt to answer",
    )];
    if summary.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(" no call has been answered yet"));
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let table = summary.table_within(v.sort, inner.width as usize);
    drop(summary);
    let mut rows = table.into_iter();
    let header = rows.next().unwrap_or_default();
    lines.push(header_line(&header, v.sort.header()));
    // The header stays; the rows below it scroll.
    let body: Vec<Line> = rows.skip(v.scroll as usize).map(Line::from).collect();
    lines.extend(body);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The header with the sorted column marked.
fn header_line(header: &str, sorted: &str) -> Line<'static> {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let at = if header.starts_with(sorted) {
        Some(0)
    } else {
        header.find(&format!(" {sorted}")).map(|i| i + 1)
    };
    match at {
        Some(i) => Line::from(vec![
            Span::styled(header[..i].to_string(), bold),
            Span::styled(
                sorted.to_string(),
                bold.fg(Color::Yellow).add_modifier(Modifier::REVERSED),
            ),
            Span::styled(header[i + sorted.len()..].to_string(), bold),
        ]),
        None => Line::styled(header.to_string(), bold),
    }
}
