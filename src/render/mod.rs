//! Views of a plan: Terraform's human format and its `show -json` shape, the
//! progress and result of an apply (human and JSON lines), and
//! the plan's monthly cost.
//!
//! Renderers read plans and never change them.

pub mod apply;
pub mod cost;
pub mod plan_config;
pub mod plan_human;
pub mod plan_json;
#[cfg(test)]
mod tests;

use owo_colors::OwoColorize;

/// Colours text only when asked to; the caller decides from the terminal,
/// `--no-color` and `NO_COLOR`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Palette {
    enabled: bool,
}

impl Palette {
    pub fn new(enabled: bool) -> Self {
        Palette { enabled }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn paint(&self, text: &str, f: impl Fn(&str) -> String) -> String {
        if self.enabled && !text.is_empty() {
            f(text)
        } else {
            text.to_string()
        }
    }

    pub fn green(&self, text: &str) -> String {
        self.paint(text, |t| t.green().to_string())
    }

    pub fn yellow(&self, text: &str) -> String {
        self.paint(text, |t| t.yellow().to_string())
    }

    pub fn red(&self, text: &str) -> String {
        self.paint(text, |t| t.red().to_string())
    }

    pub fn cyan(&self, text: &str) -> String {
        self.paint(text, |t| t.cyan().to_string())
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(text, |t| t.bold().to_string())
    }

    pub fn bold_red(&self, text: &str) -> String {
        self.paint(text, |t| t.red().bold().to_string())
    }

    /// Terraform's "dark gray" for hidden-attribute notes and `null`.
    pub fn dim(&self, text: &str) -> String {
        self.paint(text, |t| t.bright_black().to_string())
    }
}

/// Whether to colour output: only on a terminal, and never under `--no-color` or a
/// non-empty `NO_COLOR` (https://no-color.org).
pub fn color_wanted(is_terminal: bool, no_color_flag: bool) -> bool {
    let env_says_no = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    is_terminal && !no_color_flag && !env_says_no
}

#[cfg(test)]
mod palette_tests {
    use super::*;

    #[test]
    fn palette_colours_only_when_enabled() {
        assert_eq!(Palette::new(false).green("+"), "+");
        let on = Palette::new(true).green("+");
        assert!(on.contains('\u{1b}') && on.contains('+'));
        assert_eq!(Palette::new(true).red(""), "");
    }
}
