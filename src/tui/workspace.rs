//! Workspaces (arbeidsflater): named layouts of panes, chosen per role, defined in
//! TOML. The shipped ones are compiled in; the user's `workspaces.toml` adds more or
//! replaces one by name. Mistakes are reported with file, line and what is wrong.

use super::desk::PaneKind;
use crate::config::{describe_toml_error, line_col};
use crate::domain::roles::Role;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use std::path::Path;
use toml::de::{DeTable, DeValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Percent(u16),
    Fixed(u16),
    Fill,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Pane(PaneKind, Size),
    Split(Direction, Vec<Node>, Size),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceDef {
    pub name: String,
    /// What the title bar calls it, in every language.
    pub label: crate::lang::Phrase,
    pub roles: Vec<Role>,
    pub layout: Node,
    /// The pane that has the focus when the workspace is chosen (default: the log,
    /// when the workspace shows it).
    pub focus: Option<PaneKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: line {line}: {message}")]
pub struct WorkspaceError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

const BUILTIN: &str = include_str!("workspaces.toml");

impl Node {
    fn size(&self) -> Size {
        match self {
            Node::Pane(_, s) | Node::Split(_, _, s) => *s,
        }
    }

    /// Where each pane goes in `area`.
    pub fn areas(&self, area: Rect, out: &mut Vec<(PaneKind, Rect)>) {
        match self {
            Node::Pane(kind, _) => out.push((*kind, area)),
            Node::Split(dir, children, _) => {
                let constraints = children.iter().map(|c| match c.size() {
                    Size::Percent(p) => Constraint::Percentage(p),
                    Size::Fixed(n) => Constraint::Length(n),
                    Size::Fill => Constraint::Fill(1),
                });
                let rects = Layout::default().direction(*dir).constraints(constraints).split(area);
                for (child, rect) in children.iter().zip(rects.iter()) {
                    child.areas(*rect, out);
                }
            }
        }
    }

    /// The panes in reading order (for focus cycling).
    pub fn panes(&self) -> Vec<PaneKind> {
        let mut out = Vec::new();
        self.areas(Rect::new(0, 0, 200, 60), &mut out);
        out.into_iter().map(|(k, _)| k).collect()
    }
}

impl WorkspaceDef {
    pub fn label(&self, lang: crate::lang::Lang) -> &str {
        self.label.get(lang)
    }
}

/// The shipped workspaces, then the user's (`workspaces.toml` in `config_dir`): a user
/// workspace with a shipped name replaces it, others are added after.
pub fn load(config_dir: Option<&Path>) -> Result<Vec<WorkspaceDef>, WorkspaceError> {
    let mut defs = parse("workspaces (built in)", BUILTIN)?;
    if let Some(path) = config_dir.map(|d| d.join("workspaces.toml")).filter(|p| p.exists()) {
        let file = path.display().to_string();
        let source = std::fs::read_to_string(&path).map_err(|e| WorkspaceError {
            file: file.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        for def in parse(&file, &source)? {
            match defs.iter_mut().find(|d| d.name == def.name) {
                Some(existing) => *existing = def,
                None => defs.push(def),
            }
        }
    }
    Ok(defs)
}

/// The workspaces for someone with these roles (`None`: single-user, all of them).
pub fn for_roles(defs: &[WorkspaceDef], roles: Option<&[Role]>) -> Vec<WorkspaceDef> {
    let chosen: Vec<WorkspaceDef> = defs
        .iter()
        .filter(|d| match roles {
            None => true,
            Some(r) => r.contains(&Role::Administrator) || d.roles.iter().any(|x| r.contains(x)),
        })
        .cloned()
        .collect();
    if chosen.is_empty() {
        // Everyone sees at least the log.
        return defs
            .iter()
            .filter(|d| d.layout == Node::Pane(PaneKind::Log, Size::Fill))
            .take(1)
            .cloned()
            .collect();
    }
    chosen
}

pub fn parse(file: &str, source: &str) -> Result<Vec<WorkspaceDef>, WorkspaceError> {
    let err = |offset: usize, message: String| WorkspaceError {
        file: file.to_string(),
        line: line_col(source, offset).0,
        message,
    };
    let table = DeTable::parse(source).map_err(|e| WorkspaceError {
        file: file.to_string(),
        line: e.span().map_or(0, |s| line_col(source, s.start).0),
        message: describe_toml_error(source, &e),
    })?;
    let mut defs = Vec::new();
    for (key, value) in table.get_ref().iter() {
        if key.get_ref() != "workspace" {
            return Err(err(
                key.span().start,
                format!("unknown key '{}'; write [[workspace]] tables", key.get_ref()),
            ));
        }
        let DeValue::Array(list) = value.get_ref() else {
            return Err(err(key.span().start, "write each workspace as a [[workspace]] table".into()));
        };
        for item in list {
            let DeValue::Table(t) = item.get_ref() else {
                return Err(err(item.span().start, "write each workspace as a [[workspace]] table".into()));
            };
            let at = item.span().start;
            let (mut name, mut label_nb, mut label_en, mut roles, mut layout, mut focus) =
                (None, None, None, Vec::new(), None, None);
            for (k, v) in t.iter() {
                let here = k.span().start;
                match (k.get_ref().as_ref(), v.get_ref()) {
                    ("name", DeValue::String(s)) => name = Some(s.to_string()),
                    ("label", DeValue::Table(l)) => {
                        for (lk, lv) in l.iter() {
                            match (lk.get_ref().as_ref(), lv.get_ref().as_str()) {
                                ("nb", Some(s)) => label_nb = Some(s.to_string()),
                                ("en", Some(s)) => label_en = Some(s.to_string()),
                                _ => {
                                    return Err(err(
                                        lk.span().start,
                                        "label takes nb = \"…\" and en = \"…\"".into(),
                                    ))
                                }
                            }
                        }
                    }
                    ("roles", DeValue::Array(rs)) => {
                        for r in rs {
                            let s = r
                                .get_ref()
                                .as_str()
                                .ok_or_else(|| err(r.span().start, "roles are names".into()))?;
                            roles.push(Role::parse(s).map_err(|e| err(r.span().start, e.to_string()))?);
                        }
                    }
                    ("layout", _) => layout = Some(node(v, &err)?),
                    ("focus", DeValue::String(s)) => {
                        let kind = PaneKind::from_name(s.as_ref());
                        focus = Some(kind.ok_or_else(|| err(here, format!("focus: '{s}' is not a pane")))?);
                    }
                    (other, _) => {
                        return Err(err(
                            here,
                            format!(
                            "unknown or malformed key '{other}' in a workspace (name, label, roles, layout, focus)"
                        ),
                        ))
                    }
                }
            }
            let name = name
                .filter(|n| !n.trim().is_empty())
                .ok_or_else(|| err(at, "a workspace needs a name".into()))?;
            let layout = layout.ok_or_else(|| err(at, format!("workspace '{name}' has no layout")))?;
            let panes = layout.panes();
            if let Some(dup) = panes.iter().enumerate().find(|(i, p)| panes[..*i].contains(p)) {
                return Err(err(
                    at,
                    format!("workspace '{name}' shows the {:?} pane twice", dup.1).to_lowercase(),
                ));
            }
            if let Some(f) = focus.filter(|f| !panes.contains(f)) {
                return Err(err(
                    at,
                    format!("workspace '{name}' focuses the {f:?} pane, which it does not show")
                        .to_lowercase(),
                ));
            }
            let label_nb = label_nb.unwrap_or_else(|| name.clone());
            let label_en = label_en.unwrap_or_else(|| label_nb.clone());
            let label = crate::lang::Phrase::new(label_nb, label_en);
            defs.push(WorkspaceDef { name, label, roles, layout, focus });
        }
    }
    if defs.is_empty() {
        return Err(WorkspaceError {
            file: file.to_string(),
            line: 1,
            message: "no [[workspace]] defined".into(),
        });
    }
    Ok(defs)
}

fn node(
    v: &toml::Spanned<DeValue<'_>>,
    err: &impl Fn(usize, String) -> WorkspaceError,
) -> Result<Node, WorkspaceError> {
    let at = v.span().start;
    let pane = |name: &str, at: usize| {
        PaneKind::from_name(name).ok_or_else(|| {
            let known: Vec<_> = super::desk::ALL.iter().map(|k| k.name()).collect();
            err(at, format!("unknown pane type '{name}'; pane types are {}", known.join(", ")))
        })
    };
    match v.get_ref() {
        DeValue::String(s) => Ok(Node::Pane(pane(s, at)?, Size::Fill)),
        DeValue::Table(t) => {
            let mut size = Size::Fill;
            let mut body: Option<Node> = None;
            for (k, val) in t.iter() {
                let here = k.span().start;
                match k.get_ref().as_ref() {
                    "size" => {
                        size = parse_size(val.get_ref())
                            .ok_or_else(|| err(here, "size is \"60%\" or a number of rows/columns".into()))?
                    }
                    "pane" => {
                        let s = val.get_ref().as_str().ok_or_else(|| err(here, "pane is a name".into()))?;
                        body = Some(Node::Pane(pane(s, val.span().start)?, Size::Fill));
                    }
                    dir @ ("rows" | "columns") => {
                        let DeValue::Array(items) = val.get_ref() else {
                            return Err(err(here, format!("{dir} is a list of layouts")));
                        };
                        if items.is_empty() {
                            return Err(err(here, format!("empty layout: {dir} = [] has nothing to show")));
                        }
                        let children = items.iter().map(|i| node(i, err)).collect::<Result<Vec<_>, _>>()?;
                        let d = if dir == "rows" { Direction::Vertical } else { Direction::Horizontal };
                        body = Some(Node::Split(d, children, Size::Fill));
                    }
                    other => {
                        return Err(err(
                            here,
                            format!("unknown key '{other}' in a layout (pane, rows, columns, size)"),
                        ))
                    }
                }
            }
            match body {
                Some(Node::Pane(k, _)) => Ok(Node::Pane(k, size)),
                Some(Node::Split(d, c, _)) => Ok(Node::Split(d, c, size)),
                None => Err(err(at, "empty layout: give pane, rows or columns".into())),
            }
        }
        _ => Err(err(at, "a layout is a pane name or a table with pane, rows or columns".into())),
    }
}

fn parse_size(v: &DeValue<'_>) -> Option<Size> {
    match v {
        DeValue::String(s) => {
            let p: u16 = s.trim().strip_suffix('%')?.trim().parse().ok()?;
            (1..=100).contains(&p).then_some(Size::Percent(p))
        }
        DeValue::Integer(i) => i.to_string().parse::<u16>().ok().filter(|n| *n > 0).map(Size::Fixed),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_workspaces_load() {
        let defs = load(None).unwrap();
        let crisis = defs.iter().find(|d| d.name == "kriseledelse").unwrap();
        assert_eq!(crisis.layout.panes(), vec![PaneKind::Log, PaneKind::Tasks, PaneKind::Sitrep]);
        assert_eq!(crisis.label(crate::lang::Lang::En), "Crisis management");
    }

    #[test]
    fn roles_choose_workspaces() {
        let defs = load(None).unwrap();
        let names =
            |roles: Option<&[Role]>| for_roles(&defs, roles).into_iter().map(|d| d.name).collect::<Vec<_>>();
        assert_eq!(
            names(Some(&[Role::Loggforer])),
            ["logg", "oppgaver", "tavler", "veggskjerm", "meldinger"]
        );
        assert_eq!(names(Some(&[Role::Gjest])), ["oversikt", "veggskjerm"]);
        assert_eq!(
            names(Some(&[Role::Kriseledelse, Role::Loggforer])),
            [
                "logg",
                "kriseledelse",
                "oppgaver",
                "mobilisering",
                "planverk",
                "tidsreise",
                "samordning",
                "tavler",
                "veggskjerm",
                "situasjonsbilde",
                "meldinger"
            ]
        );
        assert_eq!(names(Some(&[Role::Administrator])).len(), defs.len());
        assert_eq!(names(None).len(), defs.len());
        assert_eq!(names(Some(&[])), ["logg"], "no roles: still the log");
        assert_eq!(names(Some(&[Role::Eps])), ["eps", "tavler", "veggskjerm", "meldinger"]);
    }

    #[test]
    fn layouts_split_the_area() {
        let defs = load(None).unwrap();
        let crisis = defs.iter().find(|d| d.name == "kriseledelse").unwrap();
        let mut out = Vec::new();
        crisis.layout.areas(Rect::new(0, 0, 100, 30), &mut out);
        assert_eq!(
            out,
            vec![
                (PaneKind::Log, Rect::new(0, 0, 55, 30)),
                (PaneKind::Tasks, Rect::new(55, 0, 45, 15)),
                (PaneKind::Sitrep, Rect::new(55, 15, 45, 15))
            ]
        );
    }

    fn bad(src: &str) -> WorkspaceError {
        parse("ws.toml", src).unwrap_err()
    }

    #[test]
    fn mistakes_name_the_line() {
        let e = bad("[[workspace]]\nname = \"x\"\nlayout = { pane = \"sitrep2\" }\n");
        assert_eq!(e.line, 3);
        assert!(
            e.message.contains("unknown pane type 'sitrep2'")
                && e.message.contains("log, tasks, media, reports, sitrep"),
            "{e}"
        );
        let e = bad("[[workspace]]\nname = \"x\"\n\nlayout = { rows = [] }\n");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("empty layout"), "{e}");
        let e = bad("[[workspace]]\nname = \"x\"\nroles = [\"sjef\"]\nlayout = \"log\"\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("unknown role"), "{e}");
        let e = bad("[[workspace]]\nlayout = \"log\"\n");
        assert!(e.message.contains("needs a name"), "{e}");
        let e = bad("[[workspace]]\nname = \"x\"\nlayout = { columns = [\"log\", \"log\"] }\n");
        assert!(e.message.contains("twice"), "{e}");
        let e = bad("[[workspace]]\nname = \"x\"\nlayout = { pane = \"log\", size = \"150%\" }\n");
        assert!(e.message.contains("size"), "{e}");
        let e = bad("[[workspace]\nname = \"x\"\n");
        assert_eq!(e.line, 1, "{e}");
    }

    #[test]
    fn user_file_replaces_and_adds() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("workspaces.toml"),
            "[[workspace]]\nname = \"logg\"\nlayout = { rows = [{ pane = \"log\", size = 20 }, \"tasks\"] }\n\n[[workspace]]\nname = \"mitt\"\nroles = [\"gjest\"]\nlayout = \"tasks\"\n",
        )
        .unwrap();
        let defs = load(Some(dir.path())).unwrap();
        let logg = defs.iter().find(|d| d.name == "logg").unwrap();
        assert_eq!(logg.layout.panes(), vec![PaneKind::Log, PaneKind::Tasks]);
        assert_eq!(defs.last().unwrap().name, "mitt");
    }
}
