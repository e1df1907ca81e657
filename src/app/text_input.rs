//! The one line editor of the dialogs: the errno filter, the value to
//! return and the rule file name.

use super::keymap::{Action, Press};

/// A line of text being typed, with a length limit in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextInput {
    text: String,
    max: usize,
}

impl TextInput {
    /// A field holding `text` (what Enter takes if nothing is typed) that
    /// accepts up to `max` bytes.
    pub fn new(text: impl Into<String>, max: usize) -> TextInput {
        TextInput {
            text: text.into(),
            max,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Appends `c`; false when it is a control character or the field is
    /// full.
    pub fn insert(&mut self, c: char) -> bool {
        if c.is_control() || self.text.len() >= self.max {
            return false;
        }
        self.text.push(c);
        true
    }

    /// Erases the last character.
    pub fn backspace(&mut self) {
        self.text.pop();
    }

    /// Carries out an editing key; true when the key was one (even if
    /// nothing was left to erase), false for a character that did not
    /// fit and for every other action.
    pub fn edit(&mut self, press: Press) -> bool {
        match (press.action, press.typed) {
            (Action::Type, Some(c)) => self.insert(c),
            (Action::Erase, _) => {
                self.backspace();
                true
            }
            _ => false,
        }
    }
}

impl PartialEq<str> for TextInput {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for TextInput {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(c: char) -> Press {
        Press {
            action: Action::Type,
            typed: Some(c),
        }
    }

    #[test]
    fn typing_erasing_and_the_limit() {
        let mut t = TextInput::new("ab", 3);
        assert!(t.edit(typed('c')));
        assert!(!t.edit(typed('d')), "full");
        assert_eq!(t, "abc");
        assert!(t.edit(Press {
            action: Action::Erase,
            typed: None
        }));
        assert_eq!(t.text(), "ab");
        assert!(!t.insert('\n'));
        assert!(!t.edit(Press {
            action: Action::Confirm,
            typed: None
        }));
        let mut empty = TextInput::new("", 3);
        empty.backspace();
        assert_eq!(empty, "");
    }
}
