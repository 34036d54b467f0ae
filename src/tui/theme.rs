//! Themes: TOML files naming a style for each role on screen. Built-in dark (default),
//! light and high-contrast themes; user themes in `themes/` of the config dir may
//! `inherits = "dark"`. `NO_COLOR` drops every colour and keeps emphasis.

use crate::config::describe_toml_error;
use ratatui::style::{Color, Modifier, Style};
use serde::{Deserialize, Deserializer};
use std::path::Path;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<ColorSpec>,
    bg: Option<ColorSpec>,
    bold: Option<bool>,
    italic: Option<bool>,
    underline: Option<bool>,
    dim: Option<bool>,
    reversed: Option<bool>,
    crossed_out: Option<bool>,
}

#[derive(Debug, Clone, Copy)]
struct ColorSpec(Color);

impl<'de> Deserialize<'de> for ColorSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Color::from_str(&s).map(ColorSpec).map_err(|_| {
            serde::de::Error::custom(format!(
                "unknown colour '{s}': use a name (red, lightblue, gray…), #rrggbb or 0–255"
            ))
        })
    }
}

macro_rules! roles {
    ($($role:ident: $doc:literal,)*) => {
        /// The styles of every role on screen.
        #[derive(Debug, Clone, Default)]
        pub struct Theme {
            $(#[doc = $doc] pub $role: Style,)*
        }

        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Styles {
            $($role: Option<StyleSpec>,)*
        }

        impl Theme {
            fn apply(&mut self, styles: &Styles) {
                $(if let Some(spec) = &styles.$role { self.$role = spec.apply(self.$role); })*
            }

            fn map_styles(&mut self, f: impl Fn(Style) -> Style) {
                $(self.$role = f(self.$role);)*
            }
        }
    };
}

roles! {
    base: "Ordinary text.",
    dim: "Secondary text: hints, counts.",
    title_bar: "The frame's title bar.",
    exercise: "The ØVELSE/EXERCISE marker.",
    border: "Borders of panes without focus.",
    border_focus: "The border of the pane with focus.",
    time: "Entry times.",
    author: "Entry authors.",
    decision: "Decisions (beslutninger).",
    significant: "The significant (vesentlig) marker.",
    corrected: "An entry that a later one corrects.",
    correction: "The pointer from a correction to what it corrects.",
    tag: "#tags.",
    mention: "@mentions.",
    selected: "The selected line.",
    key: "Key names in hints and help.",
    status: "The status line.",
    error: "Error messages.",
    warning: "A deadline approaching.",
    heading: "Headings in help and forms.",
    risk_low: "A low-risk cell of the ROS matrix (green).",
    risk_medium: "A medium-risk cell of the ROS matrix (yellow).",
    risk_high: "A high-risk cell of the ROS matrix (red).",
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    inherits: Option<String>,
    #[serde(default)]
    styles: Styles,
}

impl StyleSpec {
    fn apply(&self, mut s: Style) -> Style {
        if let Some(c) = self.fg {
            s = s.fg(c.0);
        }
        if let Some(c) = self.bg {
            s = s.bg(c.0);
        }
        for (flag, m) in [
            (self.bold, Modifier::BOLD),
            (self.italic, Modifier::ITALIC),
            (self.underline, Modifier::UNDERLINED),
            (self.dim, Modifier::DIM),
            (self.reversed, Modifier::REVERSED),
            (self.crossed_out, Modifier::CROSSED_OUT),
        ] {
            match flag {
                Some(true) => s = s.add_modifier(m),
                Some(false) => s = s.remove_modifier(m),
                None => {}
            }
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ThemeError {
    pub file: String,
    pub message: String,
}

const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
];

impl Theme {
    pub fn builtin() -> Theme {
        Theme::load("dark", None, false).expect("the shipped theme is valid")
    }

    /// Load a theme by name (user file first, then built in). With `no_color`, colours
    /// are dropped and what had a background is shown reversed, so it still stands out.
    pub fn load(name: &str, config_dir: Option<&Path>, no_color: bool) -> Result<Theme, ThemeError> {
        let mut theme = Theme::default();
        theme.apply_named(name, config_dir, 0)?;
        if no_color {
            theme.map_styles(|s| {
                let had_bg = s.bg.is_some_and(|c| c != Color::Reset);
                let mut plain = Style::default().add_modifier(s.add_modifier);
                if had_bg {
                    plain = plain.add_modifier(Modifier::REVERSED);
                }
                plain
            });
        }
        Ok(theme)
    }

    fn apply_named(&mut self, name: &str, config_dir: Option<&Path>, depth: u8) -> Result<(), ThemeError> {
        let user = config_dir.map(|d| d.join("themes").join(format!("{name}.toml")));
        let (file, source) = match user.filter(|p| p.exists()) {
            Some(path) => {
                let s = std::fs::read_to_string(&path)
                    .map_err(|e| ThemeError { file: path.display().to_string(), message: e.to_string() })?;
                (path.display().to_string(), s)
            }
            None => match BUILTIN.iter().find(|(n, _)| *n == name) {
                Some((n, s)) => (format!("themes/{n}.toml"), s.to_string()),
                None => {
                    return Err(ThemeError {
                        file: "config.toml".into(),
                        message: format!(
                            "unknown theme '{name}': built in are dark, light and high-contrast"
                        ),
                    })
                }
            },
        };
        let parsed: ThemeFile = toml::from_str(&source)
            .map_err(|e| ThemeError { file: file.clone(), message: describe_toml_error(&source, &e) })?;
        if let Some(parent) = &parsed.inherits {
            if depth > 4 {
                return Err(ThemeError { file, message: "themes inherit too deeply (a loop?)".into() });
            }
            self.apply_named(parent, config_dir, depth + 1)?;
        }
        self.apply(&parsed.styles);
        Ok(())
    }
}

/// `NO_COLOR` set to anything non-empty (no-color.org).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_themes_load() {
        for (name, _) in BUILTIN {
            let t = Theme::load(name, None, false).unwrap();
            assert_ne!(t.title_bar, Style::default(), "{name}");
        }
    }

    #[test]
    fn no_color_keeps_emphasis_only() {
        let t = Theme::load("dark", None, true).unwrap();
        assert_eq!(t.exercise.fg, None);
        assert_eq!(t.exercise.bg, None);
        assert!(t.exercise.add_modifier.contains(Modifier::REVERSED));
        assert!(t.corrected.add_modifier.contains(Modifier::CROSSED_OUT));
    }

    #[test]
    fn user_theme_inherits_and_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let themes = dir.path().join("themes");
        std::fs::create_dir(&themes).unwrap();
        std::fs::write(
            themes.join("mine.toml"),
            "inherits = \"dark\"\n[styles]\ntag = { fg = \"#ff8800\" }\n",
        )
        .unwrap();
        let t = Theme::load("mine", Some(dir.path()), false).unwrap();
        assert_eq!(t.tag.fg, Some(Color::Rgb(0xff, 0x88, 0)));
        assert_eq!(t.title_bar, Theme::builtin().title_bar);
        std::fs::write(themes.join("bad.toml"), "[styles]\n\ntag = { fg = \"ultraviolet\" }\n").unwrap();
        let e = Theme::load("bad", Some(dir.path()), false).unwrap_err();
        assert!(e.message.contains("line 3") && e.message.contains("ultraviolet"), "{e}");
        std::fs::write(themes.join("bad.toml"), "[styles]\nsparkle = { bold = true }\n").unwrap();
        let e = Theme::load("bad", Some(dir.path()), false).unwrap_err();
        assert!(e.message.contains("line 2") && e.message.contains("sparkle"), "{e}");
    }
}
