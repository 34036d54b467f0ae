//! The layers as `docs/architecture.md` draws them, checked on the source: every
//! `crate::…` or `super::…` path in `src/` may name only its own module or a layer
//! below it. A new module must be given its layer here, so that placing it is a
//! decision, not an accident.

use std::path::{Path, PathBuf};

/// Each top-level module and its layer, lowest first. A module may use a module of a
/// lower layer, or itself; never one of its own layer or above.
const LAYERS: &[(&str, u8)] = &[
    // helpers with no knowledge of sitroom's records
    ("text", 0),
    ("qr", 0),
    ("keys", 0),
    ("doc", 0),
    ("lang", 0),
    ("pdf", 1),
    // pure rules; the words for them; the replication vocabulary beside them
    ("domain", 2),
    ("i18n", 3),
    ("replication", 4),
    // configuration, record formats: below everything that uses them
    ("config", 5),
    ("archive", 5),
    // the only SQL
    ("store", 6),
    // what carries and delivers, above the store
    ("sync", 7),
    ("delivery", 7),
    // the operations a user performs
    ("app", 8),
    // the ways in
    ("tui", 9),
    ("server", 9),
    // the TUI served by the server: joins the two
    ("ssh", 10),
    ("cli", 11),
    ("main", 12),
    ("lib", 12),
];

/// Inside the store, the replica (making and applying ops) sits below the record
/// modules that call it: it may use only the store's root and these.
const REPLICA_MAY_USE: &[&str] = &["store", "store::replica", "store::register_rows", "store::migrations"];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/store/replica/door.rs` → ["store", "replica", "door"]; a `mod.rs` is its folder.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The module paths a file names, resolved from `crate::` and `super::`, with the
/// line each is on. Comments are skipped: a doc comment may mention any layer.
fn references(text: &str, own: &[String]) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        // A comment starts at `//` outside a string literal ("http://…" is no comment),
        // and what a string literal holds is text, not a path: both are blanked.
        let mut quoted = false;
        let mut prev = '\0';
        let mut code = String::with_capacity(line.len());
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' && prev != '\\' {
                quoted = !quoted;
                code.push(c);
            } else if !quoted && c == '/' && chars.peek() == Some(&'/') {
                break;
            } else {
                code.push(if quoted { ' ' } else { c });
            }
            prev = c;
        }
        let code = code.as_str();
        let bytes = code.as_bytes();
        let mut i = 0;
        while i < code.len() {
            if !code.is_char_boundary(i) {
                i += 1;
                continue;
            }
            let rest = &code[i..];
            let starts = (rest.starts_with("crate::") || rest.starts_with("super::"))
                && (i == 0
                    || !(bytes[i - 1].is_ascii_alphanumeric()
                        || bytes[i - 1] == b'_'
                        || bytes[i - 1] == b':'));
            if !starts {
                i += 1;
                continue;
            }
            let len =
                rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
            let segments: Vec<&str> = rest[..len].split("::").filter(|s| !s.is_empty()).collect();
            // A file's own module is where `super` starts from: the parent of a file
            // module, the parent of a folder's mod.rs.
            let mut base: Vec<String> = if segments[0] == "crate" { Vec::new() } else { own.to_vec() };
            let mut k = 0;
            if segments[0] == "crate" {
                k = 1;
            }
            while k < segments.len() && segments[k] == "super" {
                base.pop();
                k += 1;
            }
            // Module names are lower case; the first capitalised segment is an item.
            for s in &segments[k..] {
                if s.chars().next().is_some_and(|c| c.is_lowercase()) {
                    base.push(s.to_string());
                } else {
                    break;
                }
            }
            // `use crate::{app, tui}`: each name of the group is a path of its own.
            let group = rest[len..].strip_prefix('{').map(|g| &g[..g.find('}').unwrap_or(g.len())]);
            match group {
                Some(names) => {
                    for name in names.split(',').map(|n| n.trim().split("::").next().unwrap_or("")) {
                        let mut path = base.clone();
                        if name.chars().next().is_some_and(|c| c.is_lowercase()) && name != "self" {
                            path.push(name.to_string());
                        }
                        out.push((n + 1, path));
                    }
                }
                None => out.push((n + 1, base)),
            }
            i += len;
        }
    }
    out
}

/// Every import across layers the rules forbid, as "file:line: what".
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let own = module_path(src, &file);
        let top = own[0].clone();
        let Some(own_layer) = layer(&top) else {
            out.push(format!(
                "{}: module `{top}` has no layer in tests/integration/architecture.rs",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        // Inside `mod tests` a module may use anything: tests are not layers.
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(&text);
        for (line, path) in references(code, &own) {
            let Some(used) = path.first() else { continue };
            // `crate::say!` is exported at the crate root but lives in `lang`.
            let used = if used == "say" { "lang" } else { used.as_str() };
            let Some(used_layer) = layer(used) else {
                out.push(format!(
                    "{}:{line}: `{}` names no module with a layer",
                    file.display(),
                    path.join("::")
                ));
                continue;
            };
            if used != top && used_layer >= own_layer {
                out.push(format!(
                    "{}:{line}: `{top}` (layer {own_layer}) uses `{}` (layer {used_layer})",
                    file.display(),
                    path.join("::")
                ));
            }
            if own.len() > 1
                && own[0] == "store"
                && own[1] == "replica"
                && path.first().is_some_and(|p| p == "store")
            {
                let unit = path.iter().take(2).cloned().collect::<Vec<_>>().join("::");
                let known_module = path.len() > 1
                    && src.join("store").join(format!("{}.rs", path[1])).exists()
                    || path.len() > 1 && src.join("store").join(&path[1]).is_dir();
                if known_module && !REPLICA_MAY_USE.contains(&unit.as_str()) {
                    out.push(format!(
                        "{}:{line}: the replica uses `{unit}`, which sits above it",
                        file.display()
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(found.is_empty(), "imports that run the wrong way:\n{}", found.join("\n"));
}

#[test]
fn an_upward_import_is_caught() {
    // The same check on a copy of two layers with one wrong arrow each way.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    for (file, text) in [
        ("domain/task.rs", "use crate::text::fold;\nuse crate::store::Store; // wrong: the domain is pure\n"),
        ("store/mod.rs", "mod replica;\nmod tasks;\n"),
        ("store/tasks.rs", "use super::replica::created;\n"),
        ("store/replica/mod.rs", "use super::tasks::Task; // wrong: tasks call the replica\n"),
        ("text.rs", "// crate::tui in a comment is fine\nconst URL: &str = \"http://crate::tui\";\n"),
        ("lang.rs", "pub fn f() {}\n"),
        ("domain/mod.rs", "pub mod task;\nuse crate::{lang, store};\n"),
    ] {
        let path = src.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let found = violations(src);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].contains("domain/mod.rs:2") && found[0].contains("`store`"),
        "a group import: {found:#?}"
    );
    assert!(found[1].contains("domain/task.rs:2") && found[1].contains("`store`"), "{found:#?}");
    assert!(found[2].contains("replica/mod.rs:1") && found[2].contains("store::tasks"), "{found:#?}");
}
