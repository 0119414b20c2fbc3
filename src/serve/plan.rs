//! The change-to-rebuild mapping of `tally serve`: which of a site's files a
//! change touched, and so what to do again. A report's SQL file re-runs
//! that report (and every report sharing the file); the prelude re-runs
//! every report; an export reloads the data and re-runs the reports that
//! read its table; `site.toml` is read again and compared (see
//! `builder`); templates, static files and the theme only re-render.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::config::Config;

/// A report, by tab id and report id.
pub type ReportKey = (String, String);

/// The files of a site that serve watches, and what each one is.
#[derive(Debug, Clone, Default)]
pub struct SiteFiles {
    /// `site.toml`.
    pub config: PathBuf,
    /// The file `tabs_from` names.
    pub tabs_from: Option<PathBuf>,
    /// The prelude's SQL file.
    pub prelude: Option<PathBuf>,
    /// Each report's SQL file (several reports may share one).
    pub report_sql: Vec<(PathBuf, ReportKey)>,
    /// Each derived table's SQL file.
    pub table_sql: Vec<(PathBuf, String)>,
    /// The data dir.
    pub data_dir: PathBuf,
    /// Folders whose files only shape pages: the site's `templates/` and
    /// `static/`, the theme's folder.
    pub page_dirs: Vec<PathBuf>,
}

impl SiteFiles {
    /// The files of the site whose config `config` was read from
    /// `config_path` (folder `root`), reading its exports from `data_dir`.
    pub fn of(config: &Config, config_path: &Path, root: &Path, data_dir: &Path) -> SiteFiles {
        let mut page_dirs = vec![root.join("templates"), root.join("static")];
        if config.theme != "default" {
            page_dirs.push(root.join("themes").join(&config.theme));
        }
        SiteFiles {
            config: config_path.to_path_buf(),
            tabs_from: config.tabs_from.as_ref().map(|f| root.join(f)),
            prelude: config.prelude.as_ref().map(|f| root.join(f)),
            report_sql: config
                .reports()
                .filter_map(|(tab, report)| {
                    let file = report.sql_file.as_ref()?;
                    Some((root.join(file), (tab.id.clone(), report.id.clone())))
                })
                .collect(),
            table_sql: (config.tables.iter())
                .filter_map(|(name, table)| Some((root.join(table.sql_file.as_ref()?), name.clone())))
                .collect(),
            data_dir: data_dir.to_path_buf(),
            page_dirs,
        }
    }

    /// The single files to watch.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.config.clone()];
        files.extend(self.tabs_from.iter().cloned());
        files.extend(self.prelude.iter().cloned());
        files.extend(self.report_sql.iter().map(|(path, _)| path.clone()));
        files.extend(self.table_sql.iter().map(|(path, _)| path.clone()));
        files.sort();
        files.dedup();
        files
    }

    /// The folders to watch, with every file in them.
    pub fn dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.data_dir.clone()];
        dirs.extend(self.page_dirs.iter().cloned());
        dirs
    }
}

/// What a set of changes asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Read `site.toml` again (it or the `tabs_from` file changed).
    pub config: bool,
    /// Reload the data: the tables whose exports changed (named after the
    /// file or folder, as the data dir names tables).
    pub tables: BTreeSet<String>,
    /// Reload the data and re-run every report (a derived table's SQL
    /// changed).
    pub all_data: bool,
    /// Re-run every report (the prelude changed).
    pub prelude: bool,
    /// Re-run these reports (their SQL file changed).
    pub reports: BTreeSet<ReportKey>,
    /// Render the pages again (a template, a static file or the theme
    /// changed). Every rebuild renders them; this alone asks for nothing
    /// more.
    pub pages: bool,
}

impl Plan {
    /// Whether nothing the site is built from changed.
    pub fn is_empty(&self) -> bool {
        *self == Plan::default()
    }

    /// Whether the data must be loaded again.
    pub fn reloads_data(&self) -> bool {
        self.all_data || !self.tables.is_empty()
    }
}

/// What the changed paths ask for. A path can be several things at once
/// (one SQL file shared by reports); a path that is none of them asks for
/// nothing.
pub fn plan(files: &SiteFiles, changed: &[PathBuf]) -> Plan {
    let mut plan = Plan::default();
    for path in changed {
        if *path == files.config || files.tabs_from.as_ref() == Some(path) {
            plan.config = true;
        }
        if files.prelude.as_ref() == Some(path) {
            plan.prelude = true;
        }
        for (_, key) in files.report_sql.iter().filter(|(file, _)| file == path) {
            plan.reports.insert(key.clone());
        }
        if files.table_sql.iter().any(|(file, _)| file == path) {
            plan.all_data = true;
        }
        if let Some(table) = table_of(&files.data_dir, path) {
            plan.tables.insert(table);
        }
        if files.page_dirs.iter().any(|dir| path.starts_with(dir)) {
            plan.pages = true;
        }
    }
    plan
}

/// The table a file in the data dir belongs to: a file directly in it is a
/// table named after the file (`logins.csv.gz` → `logins`), a file in a
/// folder of it belongs to the folder's table (`page_visits/2025-07.csv` →
/// `page_visits`). Hidden files are never data.
fn table_of(data_dir: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(data_dir).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    if first.starts_with('.') {
        return None;
    }
    let name = first.split('.').next().unwrap_or(first);
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site as `SiteFiles::of` sees it, written by hand: two tabs, one
    /// SQL file shared by two reports, a derived table, a prelude, a theme.
    fn site() -> SiteFiles {
        let config = Config::parse(
            r#"
title = "T"
data_dir = "data"
theme = "plain"
prelude = "queries/_prelude.sql"
[tables.visits]
sql_file = "queries/visits.sql"
[[tabs]]
id = "people"
title = "People"
[[tabs.reports]]
id = "admins"
title = "Admins"
sql_file = "queries/by-role.sql"
params = { role = "admin" }
[[tabs.reports]]
id = "members"
title = "Members"
sql_file = "queries/by-role.sql"
params = { role = "member" }
[[tabs]]
id = "usage"
title = "Usage"
[[tabs.reports]]
id = "logins"
title = "Logins"
sql_file = "queries/logins.sql"
[[tabs.reports]]
id = "inline"
title = "Inline"
sql = "SELECT 1 AS x"
"#,
            "site.toml",
        )
        .unwrap();
        let root = Path::new("/s");
        SiteFiles::of(&config, &root.join("site.toml"), root, &root.join("data"))
    }

    fn key(tab: &str, report: &str) -> ReportKey {
        (tab.into(), report.into())
    }

    fn plan_of(paths: &[&str]) -> Plan {
        plan(&site(), &paths.iter().map(PathBuf::from).collect::<Vec<_>>())
    }

    #[test]
    fn a_report_sql_file_touches_every_report_that_reads_it() {
        assert_eq!(
            plan_of(&["/s/queries/by-role.sql"]),
            Plan { reports: [key("people", "admins"), key("people", "members")].into(), ..Plan::default() }
        );
        assert_eq!(
            plan_of(&["/s/queries/logins.sql"]),
            Plan { reports: [key("usage", "logins")].into(), ..Plan::default() }
        );
    }

    #[test]
    fn the_config_the_prelude_and_a_derived_table() {
        assert_eq!(plan_of(&["/s/site.toml"]), Plan { config: true, ..Plan::default() });
        assert_eq!(plan_of(&["/s/queries/_prelude.sql"]), Plan { prelude: true, ..Plan::default() });
        let derived = plan_of(&["/s/queries/visits.sql"]);
        assert_eq!(derived, Plan { all_data: true, ..Plan::default() });
        assert!(derived.reloads_data());
    }

    #[test]
    fn an_export_names_its_table() {
        let plan =
            plan_of(&["/s/data/logins.csv.gz", "/s/data/page_visits/2025-07.csv", "/s/data/.DS_Store"]);
        assert_eq!(plan, Plan { tables: ["logins".into(), "page_visits".into()].into(), ..Plan::default() });
        assert!(plan.reloads_data());
    }

    #[test]
    fn templates_static_files_and_the_theme_only_render_pages() {
        for path in ["/s/templates/tab.html", "/s/static/logo.svg", "/s/themes/plain/static/style.css"] {
            let plan = plan_of(&[path]);
            assert_eq!(plan, Plan { pages: true, ..Plan::default() }, "{path}");
            assert!(!plan.reloads_data());
        }
    }

    #[test]
    fn other_files_ask_for_nothing() {
        for path in
            ["/s/README.md", "/s/queries/unused.sql", "/s/themes/other/style.css", "/elsewhere/site.toml"]
        {
            assert!(plan_of(&[path]).is_empty(), "{path}");
        }
    }

    #[test]
    fn changes_add_up() {
        let plan = plan_of(&["/s/templates/base.html", "/s/queries/logins.sql", "/s/data/users.csv"]);
        assert_eq!(
            plan,
            Plan {
                tables: ["users".into()].into(),
                reports: [key("usage", "logins")].into(),
                pages: true,
                ..Plan::default()
            }
        );
    }

    #[test]
    fn the_watched_files_and_folders() {
        let files = site();
        let names: Vec<String> = files.files().iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            names,
            [
                "/s/queries/_prelude.sql",
                "/s/queries/by-role.sql",
                "/s/queries/logins.sql",
                "/s/queries/visits.sql",
                "/s/site.toml"
            ]
        );
        let dirs: Vec<String> = files.dirs().iter().map(|p| p.display().to_string()).collect();
        assert_eq!(dirs, ["/s/data", "/s/templates", "/s/static", "/s/themes/plain"]);
    }
}
