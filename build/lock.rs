//! Reading `Cargo.lock` in the build script: the locked version and source
//! of a package, and the packages a set of dependencies pulls in, with
//! their versions (the renderers' part of the chart and PDF cache keys).

/// One `[[package]]` of the lock file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The package name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Where it comes from (`registry+…`, `git+…`); none for a path.
    pub source: Option<String>,
    /// Its dependencies as the lock writes them: `name`, `name version`
    /// or `name version (source)`.
    pub dependencies: Vec<String>,
}

/// The packages of a lock file's text.
pub fn parse(text: &str) -> Vec<Package> {
    let mut packages = Vec::new();
    let mut current: Option<Package> = None;
    let mut in_dependencies = false;
    for line in text.lines() {
        let line = line.trim();
        if line == "[[package]]" {
            packages.extend(current.take());
            current = Some(Package {
                name: String::new(),
                version: String::new(),
                source: None,
                dependencies: Vec::new(),
            });
            in_dependencies = false;
            continue;
        }
        let Some(package) = current.as_mut() else { continue };
        if in_dependencies {
            if line.starts_with(']') {
                in_dependencies = false;
            } else if let Some(entry) = quoted(line.trim_end_matches(',')) {
                package.dependencies.push(entry);
            }
        } else if let Some(value) = line.strip_prefix("name = ") {
            package.name = quoted(value).unwrap_or_default();
        } else if let Some(value) = line.strip_prefix("version = ") {
            package.version = quoted(value).unwrap_or_default();
        } else if let Some(value) = line.strip_prefix("source = ") {
            package.source = quoted(value);
        } else if line.starts_with("dependencies = [") {
            in_dependencies = !line.ends_with(']');
            // `dependencies = ["a", "b"]` on one line.
            if let Some(inline) = line.strip_prefix("dependencies = [").and_then(|l| l.strip_suffix(']')) {
                package.dependencies.extend(inline.split(',').filter_map(|e| quoted(e.trim())));
            }
        }
    }
    packages.extend(current);
    packages
}

fn quoted(text: &str) -> Option<String> {
    text.trim().strip_prefix('"')?.strip_suffix('"').map(str::to_owned)
}

/// The package a dependency entry of the lock names.
fn resolve<'a>(packages: &'a [Package], entry: &str) -> Option<&'a Package> {
    let mut parts = entry.splitn(3, ' ');
    let name = parts.next()?;
    let version = parts.next();
    packages.iter().find(|p| p.name == name && version.is_none_or(|v| p.version == v))
}

/// The package `root` depends on under the name `name`.
pub fn dependency<'a>(packages: &'a [Package], root: &str, name: &str) -> Option<&'a Package> {
    let root = packages.iter().find(|p| p.name == root)?;
    root.dependencies.iter().filter_map(|entry| resolve(packages, entry)).find(|p| p.name == name)
}

/// `name version` of every package that `root`'s dependencies `names`
/// pull in (themselves included), sorted, one per line.
pub fn closure(packages: &[Package], root: &str, names: &[&str]) -> String {
    let mut seen: Vec<&Package> = Vec::new();
    let mut todo: Vec<&Package> = names.iter().filter_map(|n| dependency(packages, root, n)).collect();
    while let Some(package) = todo.pop() {
        if seen.contains(&package) {
            continue;
        }
        seen.push(package);
        todo.extend(package.dependencies.iter().filter_map(|entry| resolve(packages, entry)));
    }
    let mut lines: Vec<String> = seen.iter().map(|p| format!("{} {}", p.name, p.version)).collect();
    lines.sort();
    lines.dedup();
    lines.join("\n")
}
