//! Whole screens drawn into a `TestBackend`, checked against snapshots,
//! and the app's reactions to keys.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use syscalls::Sysno;

use super::*;
use crate::app::dialogs::{ErrnoPicker, ReturnDialog};
use crate::app::keymap::{self, KEYMAP};
use crate::app::{App, Command, Config, Dialog, Focus, QuitHow, RuleEdit};
use crate::decode::TargetView;
use crate::decode::groups;
use crate::errno::Errno;
use crate::model::testing::FakeCall;
use crate::model::{Answer, DecidedBy};
use crate::model::{Call, Creds};
use crate::model::{Outcome, Record};
use crate::supervisor::Event;

/// A target whose memory holds a few strings at fixed addresses.
#[derive(Default)]
struct Memory {
    strings: HashMap<u64, Vec<u8>>,
}

impl TargetView for Memory {
    fn read_mem(&self, addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
        for (base, s) in &self.strings {
            let end = base + s.len() as u64 + 1;
            if (*base..end).contains(&addr) {
                let mut bytes = s.clone();
                bytes.push(0);
                let from = (addr - base) as usize;
                let n = buf.len().min(bytes.len() - from);
                buf[..n].copy_from_slice(&bytes[from..from + n]);
                return Ok(n);
            }
        }
        Err(libc::EFAULT)
    }
    fn fd_target(&self, _fd: i32) -> Option<Vec<u8>> {
        None
    }
    fn cwd(&self) -> Option<Vec<u8>> {
        Some(b"/home/ada".to_vec())
    }
    fn socket_local(&self, _fd: i32) -> Option<Vec<u8>> {
        None
    }
}

const PATH_ADDR: u64 = 0x7ffd_0000_1000;

fn started() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// A decoded call as the supervisor would hand it over.
fn call(
    id: u64,
    tgid: u32,
    tid: u32,
    comm: &str,
    sysno: Sysno,
    raw: [u64; 6],
    path: &[u8],
) -> Arc<Call> {
    let mut mem = Memory::default();
    mem.strings.insert(PATH_ADDR, path.to_vec());
    let call = FakeCall::decoded(Some(sysno), raw, &mem)
        .id(id)
        .thread(tgid, tid, 4000)
        .program(comm)
        .creds(Creds {
            fsuid: 1000,
            fsgid: 1000,
            groups: vec![1000].into(),
            umask: 0o022,
            cap_eff: 0,
        })
        .received_wall(started() + Duration::from_millis(1500 + id * 10))
        .build();
    Arc::new(call)
}

fn openat(id: u64, tgid: u32, tid: u32, path: &[u8]) -> Arc<Call> {
    let flags = (libc::O_RDONLY | libc::O_CLOEXEC) as u64;
    call(
        id,
        tgid,
        tid,
        "cat",
        Sysno::openat,
        [libc::AT_FDCWD as u32 as u64, PATH_ADDR, flags, 0, 0, 0],
        path,
    )
}

fn mkdir(id: u64, tgid: u32, tid: u32, path: &[u8]) -> Arc<Call> {
    call(
        id,
        tgid,
        tid,
        "mkdir",
        Sysno::mkdir,
        [PATH_ADDR, 0o755, 0, 0, 0, 0],
        path,
    )
}

fn execve(id: u64) -> Arc<Call> {
    call(
        id,
        4242,
        4242,
        "sh",
        Sysno::execve,
        [PATH_ADDR, 0, 0, 0, 0, 0],
        b"/bin/true",
    )
}

fn app() -> App {
    let trapped = groups::parse_trap_list(groups::DEFAULT_TRAP).unwrap();
    let mut filter = Vec::new();
    crate::session::print_filter(&trapped, &mut filter).unwrap();
    App::new(
        Config {
            errno: Errno::EPERM,
            history_cap: 1000,
            log: None,
            features: vec!["ADDFD_SEND", "WAIT_KILLABLE", "SYNC_WAKE_UP"],
            trap: groups::DEFAULT_TRAP.into(),
            filter: String::from_utf8(filter)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect(),
            program: "cat /etc/hosts".into(),
            started: started(),
            timeout: None,
            save_path: None,
        },
        10,
        40,
    )
}

fn pending(app: &mut App, c: Arc<Call>) {
    app.on_event(
        Event::Pending(c),
        Some(b"/home/ada".to_vec()),
        Instant::now(),
    );
}

fn answered(app: &mut App, c: Arc<Call>, answer: Answer, by: DecidedBy, outcome: Outcome) {
    let rec = Record {
        call: c,
        answer: Some(answer),
        decided_by: by,
        outcome,
        latency: Duration::from_micros(850),
    };
    app.on_event(Event::Answered(Box::new(rec)), None, Instant::now());
}

/// The supervisor's record that pending call `id` went away.
fn gone(app: &mut App, id: u64) {
    let call = Arc::clone(
        &app.pending
            .iter()
            .find(|p| p.call.notif.id == id)
            .unwrap()
            .call,
    );
    let rec = Record {
        call,
        answer: None,
        decided_by: DecidedBy::Supervisor,
        outcome: Outcome::Gone,
        latency: Duration::from_millis(40),
    };
    app.on_event(Event::Answered(Box::new(rec)), None, Instant::now());
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    render_at(app, w, h, Instant::now())
}

fn render_at(app: &App, w: u16, h: u16, now: Instant) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, app, now)).unwrap();
    t
}

/// Everything on screen as text.
fn text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

/// A few answered calls, so history is not empty.
fn with_history(app: &mut App) {
    let rule = DecidedBy::Rule {
        number: 10,
        origin: "builtin:99".into(),
        quiet: true,
    };
    answered(
        app,
        openat(1, 4242, 4242, b"/etc/ld.so.cache"),
        Answer::Allow,
        rule,
        Outcome::Continued,
    );
    answered(
        app,
        mkdir(2, 4242, 4242, b"/tmp/out"),
        Answer::Deny(Errno::EACCES),
        DecidedBy::User,
        Outcome::Failed(Errno::EACCES),
    );
}

#[test]
fn snapshot_one_pending_openat() {
    let mut a = app();
    with_history(&mut a);
    a.on_output(b"$ cat /etc/hosts\r\n");
    pending(&mut a, openat(7, 4242, 4242, b"/etc/hosts"));
    insta::assert_snapshot!(render(&a, 120, 40).backend());
}

/// The README's minimum size: the selected call, its decoded summary and
/// the main keys are all on screen.
#[test]
fn snapshot_60x15_shows_the_call_and_the_main_keys() {
    let mut a = app();
    with_history(&mut a);
    pending(
        &mut a,
        openat(7, 4242, 4242, b"/etc/ssl/certs/ca-certificates.crt"),
    );
    let t = render(&a, 60, 15);
    let screen = text(&t);
    assert!(
        screen.contains("▶"),
        "the selected call has a row:\n{screen}"
    );
    assert!(
        screen.contains("…cates.crt\""),
        "the end of its path:\n{screen}"
    );
    assert!(
        screen.contains("openat(dirfd, pathname"),
        "its decoding:\n{screen}"
    );
    for keys in ["a allow", "d deny", "? help"] {
        assert!(screen.contains(keys), "{keys}:\n{screen}");
    }
    insta::assert_snapshot!(t.backend());
}

/// At 80×24 history rows keep the path, and the detail pane scrolls down
/// to what each key would do.
#[test]
fn snapshot_80x24_history_keeps_paths_and_detail_scrolls() {
    let mut a = app();
    with_history(&mut a);
    pending(&mut a, openat(7, 4242, 4242, b"/etc/hosts"));
    let screen = text(&render(&a, 80, 24));
    assert!(screen.contains("Detail · ] more below"), "{screen}");
    assert!(
        !screen.contains("emulate:"),
        "below the fold at first:\n{screen}"
    );
    for _ in 0..4 {
        a.on_key(key(']'), Instant::now());
    }
    let t = render(&a, 80, 24);
    let scrolled = text(&t);
    assert!(scrolled.contains("Detail · [ ] scroll"), "{scrolled}");
    assert!(scrolled.contains("  e  "), "what e would do:\n{scrolled}");
    insta::assert_snapshot!(t.backend());
    // Another call starts at the top.
    pending(&mut a, openat(8, 4242, 4242, b"/etc/passwd"));
    a.on_key(key('j'), Instant::now());
    assert_eq!(a.detail_offset(), 0);
}

/// The status line drops whole parts, never a word in half.
#[test]
fn the_status_line_is_never_cut_mid_word() {
    let a = app();
    for w in [60u16, 80, 100, 120, 140] {
        let t = render(&a, w, 40);
        let screen = text(&t);
        let line = screen
            .lines()
            .find(|l| l.contains(" pending 0 · answered"))
            .expect("the status line")
            .trim_end();
        for cut in ["SYNC_WAKE_", "WAIT_KILL", "ADDFD_SE"] {
            let whole = line.contains(&format!("{cut}U"))
                || line.contains(&format!("{cut}ABLE"))
                || line.contains(&format!("{cut}ND"));
            assert!(!line.ends_with(cut) || whole, "{w}: {line}");
        }
        assert!(!line.ends_with('_'), "{w}: {line}");
    }
}

#[test]
fn the_exec_that_ran_is_marked_and_allowed_results_are_unknown() {
    let mut a = app();
    answered(
        &mut a,
        execve(1),
        Answer::Allow,
        DecidedBy::User,
        Outcome::Continued,
    );
    let screen = text(&render(&a, 120, 40));
    assert!(!screen.contains("· ran"), "not known yet:\n{screen}");
    // The same process's next call comes from the new executable.
    answered(
        &mut a,
        openat(2, 4242, 4242, b"/etc/hosts"),
        Answer::Allow,
        DecidedBy::User,
        Outcome::Continued,
    );
    let screen = text(&render(&a, 120, 40));
    assert_eq!(screen.matches("allow · ran").count(), 1, "{screen}");
    a.focus = Focus::History;
    a.history_back = Some(1);
    let screen = text(&render(&a, 120, 40));
    assert!(
        screen.contains("this execve ran: the process is now"),
        "{screen}"
    );
    assert!(
        screen.contains("result unknown: the kernel ran it"),
        "{screen}"
    );
}

#[test]
fn snapshot_several_pending_from_threads() {
    let mut a = app();
    pending(&mut a, mkdir(7, 4242, 4243, b"/tmp/w1"));
    pending(&mut a, mkdir(8, 4242, 4244, b"/tmp/w2"));
    pending(&mut a, mkdir(9, 4242, 4245, b"/tmp/w3"));
    a.on_key(key('j'), Instant::now());
    insta::assert_snapshot!(render(&a, 120, 40).backend());
}

#[test]
fn snapshot_errno_picker() {
    let mut a = app();
    pending(&mut a, openat(7, 4242, 4242, b"/etc/shadow"));
    let now = Instant::now();
    a.on_key(key('D'), now);
    for c in "acc".chars() {
        a.on_key(key(c), now);
    }
    insta::assert_snapshot!(render(&a, 120, 40).backend());
}

#[test]
fn snapshot_help() {
    let mut a = app();
    a.on_key(key('?'), Instant::now());
    insta::assert_snapshot!(render(&a, 120, 40).backend());
}

#[test]
fn snapshot_filter_view() {
    let mut a = app();
    a.on_key(key('f'), Instant::now());
    insta::assert_snapshot!(render(&a, 120, 40).backend());
}

#[test]
fn snapshot_gone_call() {
    let mut a = app();
    pending(&mut a, mkdir(7, 4242, 4242, b"/tmp/a"));
    pending(&mut a, mkdir(8, 4242, 4243, b"/tmp/b"));
    gone(&mut a, 7);
    insta::assert_snapshot!(render(&a, 120, 40).backend());
}

#[test]
fn snapshot_tiny_terminal() {
    let mut a = app();
    pending(&mut a, mkdir(7, 4242, 4242, b"/tmp/a"));
    insta::assert_snapshot!(render(&a, 50, 12).backend());
}

#[test]
fn no_panic_at_any_size() {
    let mut a = app();
    with_history(&mut a);
    pending(&mut a, openat(7, 4242, 4242, b"/etc/hosts"));
    for w in 0..130 {
        for h in [0, 1, 2, 5, 14, 15, 16, 24, 41] {
            render(&a, w, h);
        }
    }
    a.on_key(key('D'), Instant::now());
    for (w, h) in [(60, 15), (61, 16), (80, 20), (200, 60)] {
        render(&a, w, h);
    }
}

/// The help as plain text, one string per line.
fn help_lines() -> Vec<String> {
    help_text()
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect()
}

/// The lines of the help section after the heading `title`, up to the
/// next empty line.
fn help_section<'a>(help: &'a [String], from: usize, title: &str) -> Vec<&'a String> {
    let at = from
        + help[from..]
            .iter()
            .position(|l| l == title)
            .unwrap_or_else(|| panic!("the help has a section `{title}`"));
    help[at + 1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .collect()
}

/// Every line of a help section is a binding of `contexts`, in table
/// order, each once.
fn assert_section_lists(section: &[&String], contexts: &[Context]) {
    let table: Vec<&keymap::Binding> = contexts.iter().flat_map(|c| keymap::bindings(*c)).collect();
    assert_eq!(section.len(), table.len(), "{contexts:?}: {section:#?}");
    for (line, b) in section.iter().zip(table) {
        assert!(
            line.starts_with(b.label) && line.ends_with(b.help),
            "{contexts:?}: `{line}` is not `{}`: {}",
            b.label,
            b.help
        );
    }
}

#[test]
fn help_and_footer_list_exactly_the_keymap() {
    let help = help_lines();
    // Every binding is listed in the help of each of its contexts.
    for b in KEYMAP {
        assert!(!b.contexts.is_empty(), "`{}` applies nowhere", b.label);
    }
    // The main screen and the program pane: the first section.
    assert_section_lists(
        &help_section(&help, 0, Context::Ui.title()),
        &[Context::Ui, Context::Program],
    );
    // Each dialog: its own section at the end.
    let dialogs = help.iter().position(|l| l == DIALOG_KEYS).unwrap();
    for ctx in Context::dialogs() {
        assert_section_lists(&help_section(&help, dialogs, ctx.title()), &[ctx]);
    }

    let mut footer: Vec<(&str, &str)> = footer_items(Context::Ui);
    footer.extend(footer_items(Context::Program));
    let table: Vec<(&str, &str)> = KEYMAP
        .iter()
        .filter(|b| b.in_footer && (b.applies_in(Context::Ui) || b.applies_in(Context::Program)))
        .map(|b| (b.label, b.hint))
        .collect();
    assert_eq!(footer, table);

    // And the footer on screen shows every UI hint.
    let mut a = app();
    let screen = text(&render(&a, 120, 40));
    for (label, hint) in footer_items(Context::Ui) {
        assert!(
            screen.contains(&format!("{label} {hint}")),
            "{label} {hint}"
        );
    }
    a.focus = Focus::Program;
    let screen = text(&render(&a, 120, 40));
    for (label, hint) in footer_items(Context::Program) {
        assert!(
            screen.contains(&format!("{label} {hint}")),
            "{label} {hint}"
        );
    }
}

/// Two rules, for the rule list.
fn two_rules() -> Arc<crate::policy::rules::RuleSet> {
    Arc::new(crate::policy::rules::RuleSet::new(
        crate::policy::rules::parse_rules(
            "[[rule]]\nsyscall = \"mkdir\"\naction = \"allow\"\n\n[[rule]]\nsyscall = \"openat\"\naction = \"deny\"\n",
            "r.toml",
            Errno::EPERM,
        )
        .unwrap(),
    ))
}

/// An app with a waiting call and two rules, showing the dialog of
/// `ctx`, opened by its key.
fn with_dialog(ctx: Context) -> App {
    let mut a = app();
    a.rules = two_rules();
    let now = Instant::now();
    pending(&mut a, mkdir(7, 4242, 4242, b"/tmp/work/a"));
    let opener = match ctx {
        Context::DenyWith => key('D'),
        Context::AlwaysDenyWith => key('X'),
        Context::Return => key('r'),
        Context::Scope => key('A'),
        Context::Rules => key('R'),
        Context::Quit => key('q'),
        Context::QuitAgent => {
            a.agent = Some(agent_view());
            key('q')
        }
        Context::Help => key('?'),
        Context::Filter => key('f'),
        Context::Search => key('/'),
        Context::FilterHistory => key('&'),
        Context::Stats => key('s'),
        Context::SavePath => {
            a.dialog = Some(Dialog::SavePath(Default::default()));
            return a;
        }
        Context::Ui | Context::Program => panic!("not a dialog"),
    };
    a.on_key(opener, now);
    assert_eq!(a.dialog.as_ref().map(Dialog::context), Some(ctx));
    a
}

#[test]
fn every_dialog_shows_the_keys_of_its_context() {
    for ctx in Context::dialogs() {
        let screen = text(&render(&with_dialog(ctx), 120, 40));
        for b in keymap::footer(ctx) {
            // The quit dialog lists its keys with their help, the others
            // have a footer of keys and hints.
            let shown = if ctx == Context::Quit || ctx == Context::QuitAgent {
                format!("{} ", b.label)
            } else {
                format!("{} {}", b.label, b.hint)
            };
            assert!(screen.contains(&shown), "{ctx:?}: `{shown}` in\n{screen}");
        }
    }
}

/// Keys to press at a dialog: every character a keyboard has, with and
/// without modifiers, and the named keys.
fn probe_keys() -> Vec<KeyEvent> {
    let mut keys = Vec::new();
    for c in ' '..='~' {
        for mods in [KeyModifiers::NONE, KeyModifiers::CONTROL, KeyModifiers::ALT] {
            keys.push(KeyEvent::new(KeyCode::Char(c), mods));
        }
    }
    keys.push(KeyEvent::new(KeyCode::Char('é'), KeyModifiers::NONE));
    for c in [
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Insert,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::F(1),
        KeyCode::F(12),
    ] {
        keys.push(code(c));
    }
    keys
}

/// The part of the app a key in a dialog may change.
fn dialog_state(a: &App) -> String {
    format!(
        "{:?} {:?} {:?} {:?}",
        a.dialog,
        a.message.as_ref().map(|m| &m.0),
        a.rules.snapshot(),
        a.pending.len()
    )
}

#[test]
fn dialogs_ignore_keys_their_context_does_not_bind() {
    for ctx in Context::dialogs() {
        let mut bound = 0;
        for k in probe_keys() {
            let mut a = with_dialog(ctx);
            let before = dialog_state(&a);
            let out = a.on_key(k, Instant::now());
            if keymap::lookup(ctx, &k).is_some() {
                bound += 1;
                continue;
            }
            assert!(out.is_empty(), "{ctx:?}: {k:?} gave {out:?}");
            assert_eq!(
                dialog_state(&a),
                before,
                "{ctx:?}: {k:?} changed the dialog"
            );
        }
        assert!(bound > 0, "{ctx:?} binds some keys");
    }
}

#[test]
fn target_data_is_escaped_on_screen() {
    let mut a = app();
    pending(
        &mut a,
        openat(7, 4242, 4242, b"/tmp/\x1b[2J\x1b]0;pwned\x07\nx\xff"),
    );
    let screen = text(&render(&a, 120, 40));
    assert!(!screen.contains('\x1b') && !screen.contains('\x07'));
    assert!(
        screen.contains(r#""/tmp/\e[2J\e]0;pwned\x07\nx\xff""#),
        "{screen}"
    );
}

#[test]
fn invisible_and_direction_changing_characters_are_escaped_on_screen() {
    let mut a = app();
    let path = "/tmp/a\u{2028}\u{2028}b\u{202e}c\u{200b}d\u{feff}".as_bytes();
    pending(&mut a, openat(7, 4242, 4242, path));
    let screen = text(&render(&a, 120, 40));
    for c in ['\u{2028}', '\u{202e}', '\u{200b}', '\u{feff}'] {
        assert!(!screen.contains(c), "{c:?} reached the screen");
    }
    assert!(
        screen.contains(r"/tmp/a\u{2028}\u{2028}b\u{202e}c\u{200b}d"),
        "{screen}"
    );
}

#[test]
fn the_detail_pane_shows_the_real_path_and_why_one_is_unknown() {
    use crate::model::{RealPath, RealPaths};
    let mut a = app();
    let mut c = (*openat(7, 4242, 4242, b"/tmp/l/hostname")).clone();
    let path_index = c.args.iter().position(|a| a.name == "pathname").unwrap();
    c.real = std::sync::OnceLock::from(RealPaths {
        paths: vec![(path_index, RealPath::Found(b"/etc/hostname".to_vec()))],
        proc_self: None,
    });
    pending(&mut a, Arc::new(c));
    let screen = text(&render(&a, 140, 40));
    assert!(screen.contains("→ real: /etc/hostname"), "{screen}");
    assert!(screen.contains("\"/tmp/l/hostname\" → /etc/"), "{screen}");
    let mut b = app();
    let mut c = (*openat(8, 4242, 4242, b"/tmp/x/y")).clone();
    c.real = std::sync::OnceLock::from(RealPaths {
        paths: vec![(
            path_index,
            RealPath::Unresolved("too many symlinks (ELOOP)".into()),
        )],
        proc_self: None,
    });
    pending(&mut b, Arc::new(c));
    let screen = text(&render(&b, 140, 40));
    assert!(
        screen.contains("real path unknown (too many symlinks (ELOOP))"),
        "{screen}"
    );
}

#[test]
fn answering_sends_a_decision_for_the_selected_call() {
    let mut a = app();
    let now = Instant::now();
    pending(&mut a, mkdir(7, 4242, 4242, b"/tmp/a"));
    pending(&mut a, mkdir(8, 4242, 4243, b"/tmp/b"));
    a.on_key(key('j'), now);
    let out = a.on_key(key('d'), now);
    match out.as_slice() {
        [Command::Decide(d)] => {
            assert_eq!(d.call.notif.id, 8);
            assert_eq!(d.answer, Answer::Deny(Errno::EPERM));
            assert_eq!(d.by, DecidedBy::User);
        }
        other => panic!("{other:?}"),
    }
    // The answered call left; the other one is selected.
    assert_eq!(a.pending.len(), 1);
    assert_eq!(a.selected, Some(7));
    let out = a.on_key(key('e'), now);
    assert!(matches!(out.as_slice(), [Command::Decide(d)] if d.answer == Answer::Emulate));
    assert!(a.pending.is_empty());
    // Nothing left: keys say so instead of doing something.
    assert!(a.on_key(key('a'), now).is_empty());
    assert!(a.current_message(now).unwrap().contains("no call"));
}

#[test]
fn selection_stays_on_its_call_when_others_leave() {
    let mut a = app();
    for id in 1..=3 {
        pending(&mut a, mkdir(id, 4242, 4242 + id as u32, b"/tmp/x"));
    }
    a.on_key(key('j'), Instant::now());
    a.on_key(key('j'), Instant::now());
    assert_eq!(a.selected, Some(3));
    // A rule (or timeout) answered call 1 meanwhile.
    answered(
        &mut a,
        mkdir(1, 4242, 4243, b"/tmp/x"),
        Answer::Allow,
        DecidedBy::Continue,
        Outcome::Continued,
    );
    assert_eq!(a.selected, Some(3));
    let out = a.on_key(key('a'), Instant::now());
    assert!(matches!(out.as_slice(), [Command::Decide(d)] if d.call.notif.id == 3));
}

#[test]
fn errno_picker_and_return_dialog() {
    let mut a = app();
    let now = Instant::now();
    pending(&mut a, openat(7, 4242, 4242, b"/etc/shadow"));
    a.on_key(key('D'), now);
    for c in "acces".chars() {
        a.on_key(key(c), now);
    }
    let out = a.on_key(code(KeyCode::Enter), now);
    assert!(
        matches!(out.as_slice(), [Command::Decide(d)] if d.answer == Answer::Deny(Errno::EACCES))
    );
    assert!(a.dialog.is_none());

    pending(&mut a, openat(8, 4242, 4242, b"/etc/shadow"));
    a.on_key(key('D'), now);
    for c in "13".chars() {
        a.on_key(key(c), now);
    }
    let out = a.on_key(code(KeyCode::Enter), now);
    assert!(
        matches!(out.as_slice(), [Command::Decide(d)] if d.answer == Answer::Deny(Errno::EACCES))
    );

    pending(&mut a, openat(9, 4242, 4242, b"/etc/shadow"));
    a.on_key(key('r'), now);
    a.on_key(code(KeyCode::Backspace), now);
    for c in "nope".chars() {
        a.on_key(key(c), now);
    }
    assert!(a.on_key(code(KeyCode::Enter), now).is_empty());
    assert!(matches!(
        &a.dialog,
        Some(Dialog::Return(ReturnDialog { error: Some(_), .. }))
    ));
    for _ in 0..4 {
        a.on_key(code(KeyCode::Backspace), now);
    }
    for c in "0x10".chars() {
        a.on_key(key(c), now);
    }
    let out = a.on_key(code(KeyCode::Enter), now);
    assert!(matches!(out.as_slice(), [Command::Decide(d)] if d.answer == Answer::Return(16)));

    // Esc leaves the call waiting.
    pending(&mut a, openat(10, 4242, 4242, b"/etc/shadow"));
    a.on_key(key('D'), now);
    assert!(a.on_key(code(KeyCode::Esc), now).is_empty());
    assert_eq!(a.pending.len(), 1);
}

#[test]
fn emulate_refused_for_calls_without_emulation() {
    let mut a = app();
    let now = Instant::now();
    pending(&mut a, execve(7));
    assert!(a.on_key(key('e'), now).is_empty());
    assert!(
        a.current_message(now)
            .unwrap()
            .contains("cannot emulate execve")
    );
    assert_eq!(a.pending.len(), 1);
}

#[test]
fn continue_allows_everything_waiting_and_pause_stops() {
    let mut a = app();
    let now = Instant::now();
    for id in 1..=3 {
        pending(&mut a, mkdir(id, 4242, 4242, b"/tmp/x"));
    }
    let out = a.on_key(key('c'), now);
    assert!(matches!(out[0], Command::SetContinue(true)));
    let decided: Vec<(u64, DecidedBy)> = out[1..]
        .iter()
        .map(|c| match c {
            Command::Decide(d) => {
                assert_eq!(d.answer, Answer::Allow);
                (d.call.notif.id, d.by.clone())
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        decided,
        vec![
            (1, DecidedBy::User),
            (2, DecidedBy::Continue),
            (3, DecidedBy::Continue)
        ]
    );
    assert!(a.continue_mode && a.pending.is_empty());
    let out = a.on_key(key(' '), now);
    assert!(matches!(out.as_slice(), [Command::SetContinue(false)]));
    assert!(!a.continue_mode);
}

#[test]
fn gone_calls_are_marked_then_moved_to_history() {
    let mut a = app();
    let t0 = Instant::now();
    pending(&mut a, mkdir(7, 4242, 4242, b"/tmp/a"));
    gone(&mut a, 7);
    assert!(a.pending[0].gone_since.is_some());
    assert!(a.history.is_empty(), "marked first, not moved at once");
    assert_eq!(a.waiting(), 0);
    // Answering a gone call answers nothing.
    let out = a.on_key(key('a'), t0);
    assert!(out.is_empty());
    assert!(a.pending.is_empty());
    assert_eq!(a.history.back().unwrap().outcome, Outcome::Gone);

    pending(&mut a, mkdir(8, 4242, 4242, b"/tmp/b"));
    gone(&mut a, 8);
    a.on_tick(Instant::now());
    assert_eq!(a.pending.len(), 1, "still shown as gone for a moment");
    a.on_tick(Instant::now() + crate::app::GONE_LINGER);
    assert!(a.pending.is_empty());
    assert_eq!(a.counts.gone, 2);
    assert_eq!(a.history.len(), 2);
}

#[test]
fn history_is_capped() {
    let mut a = app();
    a.config.history_cap = 5;
    for id in 0..12 {
        answered(
            &mut a,
            mkdir(id, 1, 1, b"/x"),
            Answer::Allow,
            DecidedBy::Continue,
            Outcome::Continued,
        );
    }
    assert_eq!(a.history.len(), 5);
    assert_eq!(a.counts.answered, 12);
    assert_eq!(a.history.front().unwrap().call.notif.id, 7);
    let screen = text(&render(&a, 120, 40));
    assert!(screen.contains("History (5 shown of 12)"));
}

#[test]
fn calls_the_screen_could_not_draw_are_counted_and_said() {
    let mut a = app();
    let now = Instant::now();
    answered(
        &mut a,
        mkdir(1, 1, 1, b"/x"),
        Answer::Allow,
        DecidedBy::Continue,
        Outcome::Continued,
    );
    let skipped = crate::model::Tally {
        answered: 40,
        by_rules: 30,
        by_continue: 10,
        ..Default::default()
    };
    a.on_not_drawn(skipped, now);
    a.on_not_drawn(skipped, now);
    assert_eq!(a.counts.answered, 81);
    assert_eq!(a.counts.by_rules, 60);
    assert_eq!(a.counts.by_continue, 21);
    let screen = text(&render(&a, 120, 40));
    assert!(
        screen.contains("History (1 shown of 81 · 80 came too fast to draw)"),
        "{screen}"
    );
    assert!(screen.contains("answered 81 (rules 60"), "{screen}");
    assert!(
        screen.contains("history skips some (--log keeps every call)"),
        "{screen}"
    );
}

#[test]
fn a_log_failure_stays_on_the_status_line() {
    let mut a = app();
    let now = Instant::now();
    a.on_output_failed(
        "writing the log /dev/full: No space left on device".into(),
        now,
    );
    let screen = text(&render(&a, 140, 40));
    assert!(screen.contains("No space left on device"), "{screen}");
    assert!(screen.contains("log not written"), "{screen}");
    // Long after the message has gone.
    let later = text(&render_at(&a, 140, 40, now + Duration::from_secs(60)));
    assert!(!later.contains("No space left on device"), "{later}");
    assert!(later.contains("log not written"), "{later}");
}

#[test]
fn program_focus_passes_keys_and_ctrl_bracket_leaves() {
    let mut a = app();
    let now = Instant::now();
    a.on_key(code(KeyCode::Tab), now);
    assert_eq!(a.focus, Focus::History);
    a.on_key(code(KeyCode::Tab), now);
    assert_eq!(a.focus, Focus::Program);
    // `q` and Tab are the program's now.
    let out = a.on_key(key('q'), now);
    assert!(matches!(out.as_slice(), [Command::ToProgram(b)] if b == b"q"));
    let out = a.on_key(code(KeyCode::Tab), now);
    assert!(matches!(out.as_slice(), [Command::ToProgram(b)] if b == b"\t"));
    let out = a.on_key(
        KeyEvent::new(KeyCode::Char('5'), KeyModifiers::CONTROL),
        now,
    );
    assert!(out.is_empty());
    assert_eq!(a.focus, Focus::Pending);
    // The message line no longer says keys go to the program.
    let screen = text(&render(&a, 120, 40));
    assert!(!screen.contains("keys now go to the program"), "{screen}");
    assert!(
        screen.contains("keys are back with unotify-tui"),
        "{screen}"
    );
}

#[test]
fn quit_asks_while_running_and_not_after() {
    let mut a = app();
    let now = Instant::now();
    assert!(a.on_key(key('q'), now).is_empty());
    assert!(matches!(a.dialog, Some(Dialog::Quit)));
    assert!(a.on_key(code(KeyCode::Esc), now).is_empty());
    a.on_key(key('q'), now);
    let out = a.on_key(key('l'), now);
    assert!(matches!(out.as_slice(), [Command::Quit(QuitHow::Detach)]));
    a.on_key(key('q'), now);
    let out = a.on_key(key('d'), now);
    assert!(matches!(out.as_slice(), [Command::Quit(QuitHow::Detach)]));
    a.on_key(key('q'), now);
    let out = a.on_key(key('c'), now);
    assert!(matches!(
        out.as_slice(),
        [Command::Quit(QuitHow::CloseListener)]
    ));
    a.on_key(key('q'), now);
    let out = a.on_key(code(KeyCode::Enter), now);
    assert!(matches!(out.as_slice(), [Command::Quit(QuitHow::Kill)]));
    a.on_exit(0, now);
    let out = a.on_key(key('q'), now);
    assert!(matches!(out.as_slice(), [Command::Quit(QuitHow::Exited)]));
}

#[test]
fn history_selection_shows_the_record() {
    let mut a = app();
    with_history(&mut a);
    a.on_key(code(KeyCode::Tab), Instant::now());
    let screen = text(&render(&a, 120, 40));
    assert!(screen.contains("deny = -1 EACCES"), "{screen}");
    assert!(screen.contains("by you"), "{screen}");
    a.on_key(key('k'), Instant::now());
    assert_eq!(a.selected_record().unwrap().call.notif.id, 1);
    let screen = text(&render(&a, 120, 40));
    assert!(screen.contains("rule 10 (builtin:99)"), "{screen}");
}

/// What the runtime does with an `AddRule` command: the rule goes first
/// and answers the waiting calls it matches.
fn add_rule(a: &mut App, out: Vec<Command>) -> Vec<u64> {
    let mut answered = Vec::new();
    for c in out {
        if let Command::AddRule(rule) = c {
            a.rules.insert(0, *rule);
            let waiting: Vec<Arc<Call>> = a.pending.iter().map(|p| Arc::clone(&p.call)).collect();
            for call in waiting {
                if a.rules.find(&call).is_some() {
                    answered.push(call.notif.id);
                }
            }
        }
    }
    a.answered_by_rule(&answered);
    answered
}

#[test]
fn always_allow_makes_a_rule_that_answers_the_matching_waiting_calls() {
    let mut a = app();
    let now = Instant::now();
    pending(&mut a, mkdir(1, 4242, 4242, b"/tmp/work/a"));
    pending(&mut a, mkdir(2, 4242, 4243, b"/tmp/work/b"));
    pending(&mut a, mkdir(3, 4242, 4244, b"/etc/evil"));
    assert!(a.on_key(key('A'), now).is_empty());
    let Some(Dialog::Scope(d)) = &a.dialog else {
        panic!("the scope dialog opens");
    };
    // mkdir: the directory is preselected, and it would match two calls.
    let scope = &d.scopes[d.selected];
    assert!(scope.label.contains("/tmp/work/*"), "{}", scope.label);
    assert_eq!(d.counts[d.selected], (2, 0));
    insta::assert_snapshot!("scope_dialog", render(&a, 120, 40).backend());
    let out = a.on_key(code(KeyCode::Enter), now);
    assert_eq!(add_rule(&mut a, out), vec![1, 2]);
    assert!(a.dialog.is_none());
    let left: Vec<u64> = a.pending.iter().map(|p| p.call.notif.id).collect();
    assert_eq!(left, vec![3], "only the matching calls were answered");
    assert_eq!(a.selected, Some(3));
}

#[test]
fn always_deny_asks_the_errno_then_the_scope() {
    let mut a = app();
    let now = Instant::now();
    pending(&mut a, openat(1, 4242, 4242, b"/etc/shadow"));
    a.on_key(key('X'), now);
    assert!(
        matches!(&a.dialog, Some(Dialog::Errno(ErrnoPicker { always: true, input, .. })) if input == "EPERM")
    );
    for _ in 0..5 {
        a.on_key(code(KeyCode::Backspace), now);
    }
    for c in "eacces".chars() {
        a.on_key(key(c), now);
    }
    a.on_key(code(KeyCode::Enter), now);
    let Some(Dialog::Scope(d)) = &a.dialog else {
        panic!("then the scope dialog");
    };
    assert_eq!(d.answer, Answer::Deny(Errno::EACCES));
    let out = a.on_key(code(KeyCode::Enter), now);
    assert_eq!(add_rule(&mut a, out), vec![1]);
    let rule = &a.rules.list()[0];
    assert_eq!(
        rule.action,
        crate::policy::rules::RuleAction::Answer(Answer::Deny(Errno::EACCES))
    );
}

#[test]
fn always_emulate_is_refused_for_calls_without_emulation() {
    let mut a = app();
    let now = Instant::now();
    pending(&mut a, execve(7));
    a.on_key(key('E'), now);
    assert!(a.dialog.is_none());
    assert!(a.current_message(now).unwrap().contains("cannot emulate"));
}

#[test]
fn rules_made_in_the_tui_are_saved_and_decide_the_same_calls_when_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.toml");
    std::fs::write(&file, "# my rules\n\n# keep this comment\n").unwrap();
    let mut a = app();
    a.config.save_path = Some(file.clone());
    let now = Instant::now();
    pending(&mut a, mkdir(1, 4242, 4242, b"/tmp/work/a"));
    a.on_key(key('A'), now);
    let Some(Dialog::Scope(d)) = &a.dialog else {
        panic!("the scope dialog opens");
    };
    assert_eq!(d.lifetime, crate::policy::scope::Lifetime::Save);
    let out = a.on_key(code(KeyCode::Enter), now);
    add_rule(&mut a, out);
    pending(&mut a, openat(2, 4242, 4242, b"/etc/shadow"));
    a.on_key(key('X'), now);
    a.on_key(code(KeyCode::Enter), now); // EPERM
    a.on_key(key('s'), now); // this one for the session only
    let out = a.on_key(code(KeyCode::Enter), now);
    add_rule(&mut a, out);

    let out = a.on_key(key('w'), now);
    let Some(Command::SaveRules(path)) = out.first() else {
        panic!("w writes to --save-rules: {out:?}");
    };
    assert_eq!(
        crate::policy::write::save_session_rules(&a.rules, path).unwrap(),
        1
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("# my rules\n\n# keep this comment\n"),
        "{text}"
    );

    let loaded = crate::policy::rules::load_rules(&file, Errno::EPERM).unwrap();
    assert_eq!(loaded.len(), 1, "the session-only rule is not written");
    let set = crate::policy::rules::RuleSet::new(loaded);
    for (c, decided) in [
        (mkdir(3, 1, 1, b"/tmp/work/b"), true),
        (mkdir(4, 1, 1, b"/tmp/work/deeper/c"), false),
        (mkdir(5, 1, 1, b"/tmp/elsewhere"), false),
    ] {
        let live = a.rules.find(&c).map(|(_, r)| r.action);
        let file = set.find(&c).map(|(_, r)| r.action);
        assert_eq!(live, file, "the same decision for {:?}", c.paths());
        assert_eq!(file.is_some(), decided);
    }
}

/// What the runtime does with `EditRule` commands.
fn edit_rules(a: &App, out: &[Command]) {
    for c in out {
        if let Command::EditRule(edit) = c {
            edit.apply(&a.rules);
        }
    }
}

fn reconsiders(out: &[Command]) -> bool {
    out.iter().any(|c| matches!(c, Command::Reconsider))
}

/// A long rule is cut, never its origin (`· builtin:33`, not `· builti`).
#[test]
fn rule_list_rows_keep_the_origin_whole() {
    let mut a = app();
    let long = "/very/long/directory/name/that/goes/on/and/on/**/*.extension";
    a.rules = Arc::new(crate::policy::rules::RuleSet::new(
        crate::policy::rules::parse_rules(
            &format!("[[rule]]\nsyscall = \"openat\"\npath = \"{long}\"\naction = \"allow\"\n"),
            "a-rule-file-with-a-long-name.toml",
            Errno::EPERM,
        )
        .unwrap(),
    ));
    a.on_key(key('R'), Instant::now());
    let screen = text(&render(&a, 100, 30));
    assert!(
        screen.contains("· a-rule-file-with-a-long-name.toml:1"),
        "{screen}"
    );
    assert!(screen.contains('…'), "the rule is cut instead:\n{screen}");
}

#[test]
fn rule_list_toggles_moves_and_deletes() {
    let mut a = app();
    let now = Instant::now();
    a.rules = two_rules();
    a.on_key(key('R'), now);
    insta::assert_snapshot!("rule_list", render(&a, 120, 40).backend());
    let out = a.on_key(key(' '), now);
    assert!(
        a.rules.snapshot()[0].enabled,
        "the dialog sends the edit, the runtime makes it"
    );
    edit_rules(&a, &out);
    assert!(!reconsiders(&out), "disabling answers nothing new");
    assert!(!a.rules.snapshot()[0].enabled);
    let out = a.on_key(key(' '), now);
    edit_rules(&a, &out);
    assert!(matches!(
        out.as_slice(),
        [
            Command::EditRule(RuleEdit::SetEnabled(_, true)),
            Command::Reconsider
        ]
    ));
    a.on_key(key('j'), now);
    let out = a.on_key(key('K'), now);
    edit_rules(&a, &out);
    assert!(reconsiders(&out));
    let order: Vec<String> = a
        .rules
        .snapshot()
        .iter()
        .map(|r| r.origin.clone())
        .collect();
    assert_eq!(order, vec!["r.toml:5", "r.toml:1"]);
    let out = a.on_key(key('x'), now);
    edit_rules(&a, &out);
    assert_eq!(a.rules.len(), 1);
    a.on_key(code(KeyCode::Esc), now);
    assert!(a.dialog.is_none());
}

#[test]
fn write_without_a_file_asks_for_one() {
    let mut a = app();
    let now = Instant::now();
    assert!(a.on_key(key('w'), now).is_empty());
    assert!(a.current_message(now).unwrap().contains("no rule to write"));
    pending(&mut a, mkdir(1, 4242, 4242, b"/tmp/work/a"));
    a.on_key(key('A'), now);
    a.on_key(key('s'), now); // save
    let out = a.on_key(code(KeyCode::Enter), now);
    add_rule(&mut a, out);
    a.on_key(key('w'), now);
    assert!(matches!(&a.dialog, Some(Dialog::SavePath { .. })));
    for _ in 0.."unotify-rules.toml".len() {
        a.on_key(code(KeyCode::Backspace), now);
    }
    for c in "x.toml".chars() {
        a.on_key(key(c), now);
    }
    let out = a.on_key(code(KeyCode::Enter), now);
    assert!(matches!(out.as_slice(), [Command::SaveRules(p)] if p.to_str() == Some("x.toml")));
    assert_eq!(
        a.config.save_path.as_deref(),
        Some(std::path::Path::new("x.toml"))
    );
}

#[test]
fn timeout_counts_down_and_a_key_on_the_call_holds_it() {
    let mut a = app();
    a.config.timeout = Some(Duration::from_secs(30));
    let now = Instant::now();
    pending(&mut a, mkdir(1, 4242, 4242, b"/tmp/a"));
    pending(&mut a, mkdir(2, 4242, 4243, b"/tmp/b"));
    assert!(a.pending.iter().all(|p| p.deadline.is_some()));
    let screen = text(&render(&a, 120, 40));
    assert!(
        screen.contains("⏱29s") || screen.contains("⏱30s"),
        "{screen}"
    );
    // Any key while call 1 is selected holds call 1, and only it.
    let out = a.on_key(key('?'), now);
    assert!(matches!(out.as_slice(), [Command::Hold(1)]));
    assert!(a.pending[0].deadline.is_none());
    assert!(a.pending[1].deadline.is_some());
    a.on_key(code(KeyCode::Esc), now);
    // Held already: no second Hold.
    assert!(a.on_key(key('k'), now).is_empty());
}

/// Shrinking the window and growing it again keeps the program's output:
/// small, the pane shows its last lines re-wrapped; large again, all of
/// them as before.
#[test]
fn shrinking_then_growing_keeps_the_program_pane() {
    let mut a = app();
    let pane = |w, h| {
        layout(Rect::new(0, 0, w, h))
            .expect("a usable size")
            .program_inner()
    };
    let big = pane(120, 40);
    a.resize_program(big.height, big.width);
    for i in 1..=6 {
        a.on_output(format!("line {i} of the program's output\r\n").as_bytes());
    }
    let before = text(&render(&a, 120, 40));
    for i in 1..=6 {
        assert!(before.contains(&format!("line {i} of")), "{before}");
    }
    // The smallest pane, and a terminal too small for the layout at all.
    a.resize_program(2, 10);
    let small = a.screen.screen().contents();
    assert!(small.contains("output"), "{small:?}");
    assert!(!small.contains("line 1"), "{small:?}");
    a.resize_program(1, 1);
    a.resize_program(big.height, big.width);
    let after = text(&render(&a, 120, 40));
    for i in 1..=6 {
        assert!(after.contains(&format!("line {i} of")), "{after}");
    }
    assert_eq!(a.screen.screen().cursor_position(), (6, 0));
}

/// The program exited while what it started runs on: the status line says
/// both, q asks (kill ends them all), and quits at once when none is left.
#[test]
fn processes_left_running_are_on_the_status_line_and_q_asks() {
    let mut a = app();
    a.on_still_running(1);
    a.on_exit(0, Instant::now());
    let screen = text(&render(&a, 120, 40));
    assert!(
        screen.contains("program exited 0 · 1 process still running"),
        "{screen}"
    );
    assert!(a.on_key(key('q'), Instant::now()).is_empty());
    let screen = text(&render(&a, 120, 40));
    assert!(
        screen.contains("1 process it started still runs"),
        "{screen}"
    );
    a.dialog = None;
    a.on_still_running(2);
    assert!(text(&render(&a, 120, 40)).contains("2 processes still running"));
    a.on_still_running(0);
    assert!(matches!(
        a.on_key(key('q'), Instant::now()).as_slice(),
        [Command::Quit(QuitHow::Exited)]
    ));
}

/// `--stack`: the detail pane shows the call's frames, escaped, and why
/// the walk stopped; `b` hides and shows them.
#[test]
fn the_stack_section_shows_frames_and_b_hides_it() {
    use crate::model::stack::{Frame, RawFrame, Stack};
    let mut a = app();
    let mut c = (*openat(7, 4242, 4242, b"/etc/hosts")).clone();
    let stack = Stack {
        frames: vec![RawFrame {
            pc: 0x7f00_0000_1234,
            object: None,
        }],
        stop: Some("the frame is found from rbp, not known".into()),
        symbols: std::sync::OnceLock::new(),
    };
    // Before the symbolizer thread has named them: addresses only.
    c.stack = Some(Box::new(stack.clone()));
    pending(&mut a, Arc::new(c.clone()));
    let screen = text(&render(&a, 120, 60));
    assert!(screen.contains("#0 0x7f0000001234"), "{screen}");
    assert!(screen.contains("working out names"), "{screen}");
    let _ = stack.symbols.set(vec![Frame {
        addr: 0x7f00_0000_1234,
        symbol: Some(("open\x1b[2Jat".into(), 0x41)),
        object: Some(b"/usr/lib/libc.so.6".to_vec()),
        file: None,
        line: None,
    }]);
    c.stack = Some(Box::new(stack));
    c.notif.id = 8;
    pending(&mut a, Arc::new(c));
    a.on_key(key('j'), Instant::now());
    let screen = text(&render(&a, 120, 60));
    assert!(screen.contains("stack · b hides it"), "{screen}");
    assert!(screen.contains("#0 0x7f0000001234 open"), "{screen}");
    assert!(
        screen.contains("[2Jat+0x41 (/usr/lib/libc.so.6)"),
        "{screen}"
    );
    assert!(!screen.contains('\x1b'), "{screen}");
    assert!(
        screen.contains("(stack stops: the frame is found from rbp, not known)"),
        "{screen}"
    );
    a.on_key(key('b'), Instant::now());
    let screen = text(&render(&a, 120, 60));
    assert!(!screen.contains("#0 0x7f0000001234"), "{screen}");
    assert!(screen.contains("stack hidden · b shows it"), "{screen}");
    a.on_key(key('b'), Instant::now());
    let screen = text(&render(&a, 120, 60));
    assert!(screen.contains("#0 0x7f0000001234 open"), "{screen}");
}

// ----- finding things, the stats view, the program's scrollback ----------

/// Types `s` into whatever has the keyboard, then Enter.
fn type_and_enter(a: &mut App, s: &str) {
    for c in s.chars() {
        a.on_key(key(c), Instant::now());
    }
    a.on_key(code(KeyCode::Enter), Instant::now());
}

/// History with a denied mkdir of `/etc/early` first, then `n` rule-allowed
/// opens of `/usr/lib/libN.so`, every one counted in the summary as the
/// recorder thread would.
fn long_history(a: &mut App, n: u64) {
    let rule = DecidedBy::Rule {
        number: 1,
        origin: "r.toml:1".into(),
        quiet: false,
    };
    let mut recs = vec![(
        mkdir(1, 4242, 4242, b"/etc/early"),
        Answer::Deny(Errno::EPERM),
        DecidedBy::User,
        Outcome::Failed(Errno::EPERM),
    )];
    for i in 0..n {
        let path = format!("/usr/lib/lib{i}.so");
        recs.push((
            openat(2 + i, 4300 + (i % 2) as u32, 4300, path.as_bytes()),
            Answer::Allow,
            rule.clone(),
            Outcome::Continued,
        ));
    }
    for (c, answer, by, outcome) in recs {
        let rec = Record {
            call: c,
            answer: Some(answer),
            decided_by: by,
            outcome,
            latency: Duration::from_micros(850),
        };
        a.summary.lock().unwrap().add(&rec);
        a.on_event(Event::Answered(Box::new(rec)), None, Instant::now());
    }
}

#[test]
fn snapshot_stats_view_and_its_sort() {
    let mut a = app();
    long_history(&mut a, 20);
    a.on_key(key('s'), Instant::now());
    let t = render(&a, 120, 40);
    insta::assert_snapshot!(t.backend());
    let screen = text(&t);
    let openat_row = screen.find("openat").unwrap();
    let mkdir_row = screen.find("mkdir").unwrap();
    assert!(openat_row < mkdir_row, "by calls: openat first\n{screen}");
    // s cycles the sort: calls → allow → deny puts mkdir first.
    a.on_key(key('s'), Instant::now());
    a.on_key(key('s'), Instant::now());
    let screen = text(&render(&a, 120, 40));
    assert!(screen.contains("sorted by deny"), "{screen}");
    assert!(
        screen.find("mkdir").unwrap() < screen.find("openat  ").unwrap(),
        "{screen}"
    );
    a.on_key(code(KeyCode::Esc), Instant::now());
    assert!(a.dialog.is_none());
}

#[test]
fn snapshot_search_prompt() {
    let mut a = app();
    long_history(&mut a, 5);
    a.on_key(key('/'), Instant::now());
    for c in "deny mkdir".chars() {
        a.on_key(key(c), Instant::now());
    }
    insta::assert_snapshot!(render(&a, 120, 40).backend());
}

#[test]
fn search_brings_a_match_that_scrolled_far_away_into_view() {
    let mut a = app();
    long_history(&mut a, 500);
    let screen = text(&render(&a, 120, 40));
    assert!(!screen.contains("/etc/early"), "scrolled away\n{screen}");
    a.on_key(key('/'), Instant::now());
    type_and_enter(&mut a, "mkdir /etc/*");
    assert_eq!(a.focus, Focus::History);
    assert_eq!(a.selected_record().unwrap().call.notif.id, 1);
    let screen = text(&render(&a, 120, 40));
    assert!(screen.contains("mkdir(\"/etc/early\""), "{screen}");
    assert!(screen.contains("entry 1 of 501"), "{screen}");
    // n goes further back: the search wraps to the newest end and back.
    a.on_key(key('n'), Instant::now());
    assert_eq!(a.selected_record().unwrap().call.notif.id, 1);
    assert!(text(&render(&a, 120, 40)).contains("wrapped"));
    // A search for opens of pid 4301: N towards newer, n back.
    a.on_key(key('/'), Instant::now());
    for _ in 0.."mkdir /etc/*".len() {
        a.on_key(code(KeyCode::Backspace), Instant::now());
    }
    type_and_enter(&mut a, "openat pid 4301");
    // From the oldest entry, the search wraps to the newest match.
    let first = a.selected_record().unwrap().call.notif.id;
    assert_eq!(first, 501);
    a.on_key(key('n'), Instant::now());
    let older = a.selected_record().unwrap().call.notif.id;
    assert_eq!(older, first - 2, "the next older open of pid 4301");
    a.on_key(key('N'), Instant::now());
    assert_eq!(a.selected_record().unwrap().call.notif.id, first);
    // A search that does not parse says why.
    a.on_key(key('/'), Instant::now());
    for _ in 0.."openat pid 4301".len() {
        a.on_key(code(KeyCode::Backspace), Instant::now());
    }
    type_and_enter(&mut a, "pid");
    assert!(
        a.current_message(Instant::now())
            .is_some_and(|m| m.contains("`pid` needs a number")),
        "{:?}",
        a.message
    );
    assert_eq!(a.selected_record().unwrap().call.notif.id, first);
}

#[test]
fn snapshot_filtered_history() {
    let mut a = app();
    long_history(&mut a, 30);
    a.on_key(key('&'), Instant::now());
    type_and_enter(&mut a, "openat pid 4301 /usr/lib/lib1*");
    let t = render(&a, 120, 40);
    insta::assert_snapshot!(t.backend());
    let screen = text(&t);
    // Only the matching entries: odd numbers starting with 1, below 30.
    for i in [1, 11, 13, 15, 17, 19] {
        assert!(screen.contains(&format!("lib{i}.so")), "{i}\n{screen}");
    }
    for i in [0, 2, 10, 12, 21, 29] {
        assert!(!screen.contains(&format!("lib{i}.so\"")), "{i}\n{screen}");
    }
    assert!(!screen.contains("/etc/early"), "{screen}");
    assert_eq!(a.view_len(), 6);
    // New entries are filtered as they come.
    long_history(&mut a, 0);
    assert_eq!(a.view_len(), 6);
    // `deny` shows the one denied call.
    a.on_key(key('&'), Instant::now());
    for _ in 0..40 {
        a.on_key(code(KeyCode::Backspace), Instant::now());
    }
    type_and_enter(&mut a, "deny");
    assert_eq!(a.view_len(), 2, "the two denied mkdirs");
    // Nothing typed: everything again.
    a.on_key(key('&'), Instant::now());
    for _ in 0..40 {
        a.on_key(code(KeyCode::Backspace), Instant::now());
    }
    type_and_enter(&mut a, "");
    assert_eq!(a.view_len(), a.history.len());
}

#[test]
fn a_filter_that_does_not_parse_keeps_the_old_one_and_says_why() {
    let mut a = app();
    long_history(&mut a, 10);
    a.on_key(key('&'), Instant::now());
    type_and_enter(&mut a, "deny");
    assert_eq!(a.view_len(), 1);
    a.on_key(key('&'), Instant::now());
    type_and_enter(&mut a, " dney");
    assert_eq!(a.view_len(), 1, "the old filter stays");
    let screen = text(&render(&a, 120, 40));
    assert!(
        screen.contains("filter not changed (the filter stays `deny`)"),
        "{screen}"
    );
    assert!(screen.contains("History: only `deny` (1 of 11"), "{screen}");
}

#[test]
fn the_filter_follows_history_past_its_cap() {
    let mut a = app();
    a.config.history_cap = 10;
    a.on_key(key('&'), Instant::now());
    type_and_enter(&mut a, "*lib1*.so");
    long_history(&mut a, 30);
    // History keeps lib20..lib29 (and nothing older): none is lib1*.
    assert_eq!(a.history.len(), 10);
    assert_eq!(a.view_len(), 0);
    long_history(&mut a, 12);
    // Now lib2..lib11 (the last 10 of 13 added): lib10 and lib11 match.
    assert_eq!(a.view_len(), 2);
    let paths: Vec<String> = (0..2)
        .map(|i| crate::decode::format_call(&a.view_get(i).unwrap().call))
        .collect();
    assert!(
        paths[0].contains("lib10.so") && paths[1].contains("lib11.so"),
        "{paths:?}"
    );
}

#[test]
fn the_program_pane_scrolls_back_through_its_output() {
    let mut a = app();
    let mut out = String::new();
    for i in 1..=500 {
        out.push_str(&format!("line {i}\r\n"));
    }
    a.on_output(out.as_bytes());
    let screen = text(&render(&a, 120, 40));
    assert!(
        screen.contains("line 500") && !screen.contains("line 1 "),
        "{screen}"
    );
    let shift = |c| KeyEvent::new(c, KeyModifiers::SHIFT);
    for _ in 0..200 {
        a.on_key(shift(KeyCode::PageUp), Instant::now());
    }
    let screen = text(&render(&a, 120, 40));
    assert!(screen.contains("line 1 "), "the first line\n{screen}");
    assert!(
        screen.contains("lines back (Shift-PgDn forward)"),
        "{screen}"
    );
    for _ in 0..200 {
        a.on_key(shift(KeyCode::PageDown), Instant::now());
    }
    assert_eq!(a.program_scrolled(), 0);
    // With the keyboard in the pane, Shift-PgUp scrolls too, and typing
    // brings the program's screen back.
    a.focus = Focus::Program;
    a.on_key(shift(KeyCode::PageUp), Instant::now());
    assert!(a.program_scrolled() > 0);
    let out = a.on_key(key('x'), Instant::now());
    assert!(matches!(out.as_slice(), [Command::ToProgram(b)] if b == b"x"));
    assert_eq!(a.program_scrolled(), 0);
}

// ----- the agent: containers

/// `c` as if it came from container `id` (the agent).
fn in_container(c: Arc<Call>, id: &str) -> Arc<Call> {
    let mut c = (*c).clone();
    c.container = Some(Arc::new(crate::model::Container {
        id: id.into(),
        metadata: Some("meta\x07".into()),
    }));
    Arc::new(c)
}

/// Two containers, one live and one ended (its id holds an escape).
fn agent_view() -> crate::app::AgentView {
    let row = |id: &str, pid, calls, live| crate::app::ContainerRow {
        container: Arc::new(crate::model::Container {
            id: id.into(),
            metadata: None,
        }),
        pid: Some(pid),
        calls,
        live,
    };
    crate::app::AgentView {
        socket: "/run/agent.sock".into(),
        containers: vec![
            row("web-1", 4100, 3, true),
            row("ev\x1b[2Jil", 4200, 1, false),
        ],
    }
}

/// The pending row at line `y` of the screen that names `call`.
fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{screen}"))
}

#[test]
fn the_agent_names_each_calls_container_in_rows_detail_and_its_pane() {
    let mut a = app();
    a.agent = Some(agent_view());
    pending(
        &mut a,
        in_container(mkdir(1, 4101, 4101, b"/tmp/x"), "web-1"),
    );
    pending(
        &mut a,
        in_container(mkdir(2, 4201, 4201, b"/tmp/y"), "ev\x1b[2Jil"),
    );
    answered(
        &mut a,
        in_container(openat(3, 4102, 4102, b"/etc/hostname"), "web-1"),
        Answer::Allow,
        DecidedBy::User,
        Outcome::Returned(3),
    );
    let screen = text(&render(&a, 120, 40));
    // Pending rows: the container before the pid.
    let row = line_with(&screen, "\"/tmp/x\"");
    assert!(row.contains("web-1"), "{row}");
    assert!(row.find("web-1") < row.find("4101"), "{row}");
    let row = line_with(&screen, "\"/tmp/y\"");
    assert!(row.contains("ev\\e[2Jil"), "escaped: {row}");
    // History row.
    let row = line_with(&screen, "hostname");
    assert!(row.contains("web-1"), "{row}");
    // The detail pane of the selected call (the first), in its process
    // section (on a taller screen: further down it scrolls).
    let tall = text(&render(&a, 120, 70));
    assert!(
        tall.contains("container web-1 · metadata meta\\x07"),
        "{tall}"
    );
    // The containers pane instead of the program pane.
    assert!(screen.contains("Containers (1 live of 2)"), "{screen}");
    let row = line_with(&screen, "pid 4100");
    assert!(
        row.contains("web-1") && row.contains("3 calls") && row.contains("live"),
        "{row}"
    );
    let row = line_with(&screen, "pid 4200");
    assert!(row.contains("ended") && row.contains("1 call "), "{row}");
    assert!(
        !screen.contains('\x1b'),
        "the runtime's strings are escaped"
    );
    // The footer names the agent's key; a launch's does not.
    assert!(screen.contains("C container"), "{screen}");
    let launch = text(&render(&app(), 120, 40));
    assert!(!launch.contains("C container"), "{launch}");
    // No container yet: where runtimes connect.
    let mut b = app();
    b.agent = Some(crate::app::AgentView {
        socket: "/run/agent.sock".into(),
        containers: Vec::new(),
    });
    let screen = text(&render(&b, 120, 40));
    assert!(
        screen.contains("no container yet; listening on /run/agent.sock"),
        "{screen}"
    );
}

#[test]
fn c_shows_one_container_at_a_time_in_pending_and_history() {
    let mut a = app();
    a.agent = Some(agent_view());
    let now = Instant::now();
    pending(
        &mut a,
        in_container(mkdir(1, 4101, 4101, b"/tmp/a1"), "web-1"),
    );
    pending(
        &mut a,
        in_container(mkdir(2, 4201, 4201, b"/tmp/b1"), "ev\x1b[2Jil"),
    );
    pending(
        &mut a,
        in_container(mkdir(3, 4101, 4101, b"/tmp/a2"), "web-1"),
    );
    for (id, ctr) in [(4, "web-1"), (5, "ev\x1b[2Jil")] {
        answered(
            &mut a,
            in_container(
                openat(id, 4100, 4100, format!("/etc/f{id}").as_bytes()),
                ctr,
            ),
            Answer::Allow,
            DecidedBy::User,
            Outcome::Returned(3),
        );
    }
    a.on_key(key('C'), now);
    let screen = text(&render(&a, 120, 40));
    assert!(
        screen.contains("/tmp/a1") && screen.contains("/tmp/a2"),
        "{screen}"
    );
    assert!(!screen.contains("/tmp/b1"), "{screen}");
    assert!(
        screen.contains("/etc/f4") && !screen.contains("/etc/f5"),
        "{screen}"
    );
    assert!(
        screen.contains("Pending (2 of 3: only `container web-1`)"),
        "{screen}"
    );
    assert!(
        screen.contains("Containers (1 live of 2) · C: only one shown"),
        "{screen}"
    );
    // The one shown is highlighted.
    let t = render(&a, 120, 40);
    let buf = t.backend().buffer();
    let row = (0..buf.area.height)
        .find(|&y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .contains("pid 4100")
        })
        .unwrap();
    let x = (0..buf.area.width)
        .find(|&x| buf[(x, row)].symbol() == "w")
        .unwrap();
    assert!(
        buf[(x, row)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
    // Keys act on what is shown: moving down skips the hidden call.
    assert_eq!(a.selected, Some(1));
    a.on_key(key('j'), now);
    assert_eq!(a.selected, Some(3));
    let out = a.on_key(key('d'), now);
    assert!(
        matches!(&out[..], [Command::Decide(d)] if d.call.notif.id == 3),
        "{out:?}"
    );
    // The next container: its id escaped on the screen, matched as it is.
    a.on_key(key('C'), now);
    let screen = text(&render(&a, 120, 40));
    assert!(
        screen.contains("/tmp/b1") && !screen.contains("/tmp/a1"),
        "{screen}"
    );
    assert!(
        screen.contains("/etc/f5") && !screen.contains("/etc/f4"),
        "{screen}"
    );
    assert!(!screen.contains('\x1b'), "{screen}");
    assert_eq!(a.selected, Some(2));
    // Then all again.
    a.on_key(key('C'), now);
    let screen = text(&render(&a, 120, 40));
    assert!(
        screen.contains("/tmp/b1") && screen.contains("/tmp/a1"),
        "{screen}"
    );
    assert!(a.filter.is_none());
    // `&` takes the same word.
    a.set_filter("container web-*", now);
    let screen = text(&render(&a, 120, 40));
    assert!(
        screen.contains("/tmp/a1") && !screen.contains("/tmp/b1"),
        "{screen}"
    );
}

#[test]
fn quitting_the_agent_asks_while_containers_run() {
    let now = Instant::now();
    let mut a = app();
    a.agent = Some(agent_view());
    assert!(a.on_key(key('q'), now).is_empty());
    assert!(matches!(a.dialog, Some(Dialog::QuitAgent)));
    let screen = text(&render(&a, 120, 40));
    assert!(
        screen.contains("1 container still runs: web-1."),
        "{screen}"
    );
    assert!(screen.contains("fail with ENOSYS"), "{screen}");
    a.on_key(code(KeyCode::Esc), now);
    assert!(a.dialog.is_none());
    a.on_key(key('q'), now);
    let out = a.on_key(key('y'), now);
    assert!(
        matches!(&out[..], [Command::Quit(QuitHow::CloseListener)]),
        "{out:?}"
    );
    // None left running: q quits at once.
    let mut b = app();
    let mut view = agent_view();
    view.containers.retain(|c| !c.live);
    b.agent = Some(view);
    let out = b.on_key(key('q'), now);
    assert!(
        matches!(&out[..], [Command::Quit(QuitHow::CloseListener)]),
        "{out:?}"
    );
    // No program pane to move the focus to.
    b.on_key(code(KeyCode::Tab), now);
    b.on_key(code(KeyCode::Tab), now);
    assert_eq!(b.focus, Focus::Pending);
}

#[test]
fn a_rule_for_this_container_only_from_the_scope_dialog() {
    let now = Instant::now();
    let mut a = app();
    a.agent = Some(agent_view());
    pending(
        &mut a,
        in_container(mkdir(1, 4101, 4101, b"/tmp/x"), "web-[1]"),
    );
    a.on_key(key('A'), now);
    // n: exe, comm, then this container.
    for _ in 0..3 {
        a.on_key(key('n'), now);
    }
    let screen = text(&render(&a, 120, 40));
    assert!(screen.contains("this container only: web-[1]"), "{screen}");
    assert!(screen.contains("· in container web-[1]"), "{screen}");
    let out = a.on_key(code(KeyCode::Enter), now);
    let [Command::AddRule(rule)] = &out[..] else {
        panic!("{out:?}");
    };
    let table = crate::policy::write::rule_table(rule).to_string();
    assert!(table.contains(r"container = 'web-\[1\]'"), "{table}");
    assert!(rule.matches(&in_container(mkdir(2, 1, 1, b"/tmp/y"), "web-[1]")));
    assert!(!rule.matches(&in_container(mkdir(2, 1, 1, b"/tmp/y"), "web-1")));
    assert!(!rule.matches(&mkdir(2, 1, 1, b"/tmp/y")));
    // A call from no container: n never offers it.
    let mut b = app();
    pending(&mut b, mkdir(1, 4101, 4101, b"/tmp/x"));
    b.on_key(key('A'), now);
    for _ in 0..3 {
        b.on_key(key('n'), now);
    }
    let Some(Dialog::Scope(d)) = &b.dialog else {
        panic!("the scope dialog");
    };
    assert_eq!(d.narrow, crate::policy::scope::Narrow::Any);
}
