//! Rule files: parsing `[[rule]]` tables into [`Rule`]s with errors that
//! name file, line and column, and deciding calls with a [`RuleSet`].
//!
//! ```toml
//! [[rule]]
//! syscall = ["mkdir", "mkdirat"]   # a name, a @group, or a list; absent = any
//! path = "/tmp/**"                 # glob (or list of globs) on the resolved path
//! action = "emulate"               # allow | deny | return | emulate | ask
//! ```
//!
//! Other keys: `errno` (deny only), `value` (return only), `port`, `addr`,
//! `comm`, `exe`, `container` (a glob on the container's id, under the
//! agent), and `access = "read" | "write"` (open-family calls only).
//! The first enabled rule whose every key matches decides the call.

#[cfg(test)]
mod fixtures;
mod index;
mod parse;
mod rule;
mod set;

pub use parse::{
    BUILTIN_FILE, MAX_RULE_FILE, ReadRuleFile, RuleError, builtin_rules, load_rules, parse_rules,
    read_rule_file,
};
pub(crate) use rule::Conditions;
pub use rule::{Origin, Rule, RuleAction, RuleId};
pub use set::{Needs, RuleInfo, RuleSet, RuleView};
