//! `unotify-tui rules check FILE`: load a rule file the way `--rules`
//! does and say what each rule does, in plain words.

use std::io::{self, Write};
use std::path::Path;

use crate::errno::Errno;
use crate::error::Error;
use crate::policy::rules::load_rules;

/// Checks `file` and prints one line per rule to `out`:
/// `  1  allow mkdir, mkdirat under /tmp/**   (app.toml:3)`, then a
/// summary line. A file that does not load is an [`Error::Rules`] naming
/// file, line and column (exit status 2).
pub fn check(file: &Path, errno: &str, out: &mut dyn Write) -> Result<i32, Error> {
    let errno = Errno::parse(errno).map_err(|e| Error::Usage(format!("--errno: {e}")))?;
    let rules = load_rules(file, errno)?;
    let width = rules.len().to_string().len();
    let write = |out: &mut dyn Write| -> io::Result<()> {
        for (i, r) in rules.iter().enumerate() {
            writeln!(
                out,
                "{:>width$}  {}   ({})",
                i + 1,
                r.describe(),
                r.origin()
            )?;
        }
        let n = match rules.len() {
            0 => "no rules".to_string(),
            1 => "1 rule".to_string(),
            n => format!("{n} rules"),
        };
        writeln!(out, "{}: {n}, no errors", file.display())?;
        out.flush()
    };
    write(out).map_err(|source| Error::RuleList { source })?;
    Ok(0)
}
