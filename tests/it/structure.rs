//! The structure CI keeps (see ARCHITECTURE.md): no source file over 600
//! lines, and no import cycle between the library's top-level modules.
//! (No function over 80 lines is clippy's `too_many_lines`, with the
//! threshold in clippy.toml, run by `.ci/run`.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 600;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn no_source_file_is_over_600_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| text.lines().count() > MAX_FILE_LINES)
        .map(|(name, text)| format!("{name}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split these files: {long:?}");
}

/// The library's top-level modules each file's non-test, non-comment code
/// names through `crate::`.
fn module_graph() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let mut graph: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (name, text) in sources() {
        if name == "main.rs" || name == "lib.rs" || name.starts_with("cli/") {
            continue;
        }
        let top = name
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        let code = text.split("#[cfg(test)]").next().unwrap();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            let mut rest = line;
            while let Some(i) = rest.find("crate::") {
                rest = &rest[i + 7..];
                let mut targets: Vec<&str> = Vec::new();
                if let Some(group) = rest.strip_prefix('{') {
                    let group = group.split('}').next().unwrap_or("");
                    targets.extend(
                        group
                            .split(',')
                            .map(|t| t.split("::").next().unwrap().trim()),
                    );
                } else {
                    targets.push(
                        rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                            .next()
                            .unwrap(),
                    );
                }
                for t in targets.into_iter().filter(|t| !t.is_empty() && *t != top) {
                    graph
                        .entry(top.clone())
                        .or_default()
                        .entry(t.to_string())
                        .or_default()
                        .insert(name.clone());
                }
            }
        }
    }
    graph
}

#[test]
fn the_top_level_modules_have_no_import_cycle() {
    let graph = module_graph();
    // A module is in a cycle when it can reach itself.
    let mut cycles = Vec::new();
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(&String, Vec<String>)> = vec![(start, vec![start.clone()])];
        while let Some((m, path)) = stack.pop() {
            for (next, files) in graph.get(m).into_iter().flatten() {
                if next == start {
                    let via: Vec<&String> = files.iter().collect();
                    cycles.push(format!("{} -> {next} (via {via:?})", path.join(" -> ")));
                } else if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next, p));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}
