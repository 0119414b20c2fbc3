//! The HTML pages: the tera templates (built-in, theme, site) over the page
//! model, and the filter bar's script (`views/index.js`), which lists the
//! views a page can switch to and the months a time range can span.
//!
//! Templates see borrowed, page-shaped values (`TabPage`, `ReportView`),
//! never the raw config: a template cannot print a report's SQL file path
//! or a setting it was not meant to.

use std::path::Path;

use anyhow::{anyhow, bail, Result};
use serde::Serialize;

use crate::config::{Config, TabConfig};
use crate::date::Date;
use crate::render::page::{escape_script_json, tab_pdf_name, HeadlineView, ReportView, SiteView};
use crate::render::templates;
use crate::view::{Filter, View};

/// Renders the site's pages with its templates.
pub struct PageRenderer {
    tera: tera::Tera,
}

/// The tab, as its page sees it.
#[derive(Debug, Serialize)]
pub struct TabPage<'a> {
    /// Tab id.
    pub id: &'a str,
    /// Tab title.
    pub title: &'a str,
    /// One line under the heading.
    pub description: &'a str,
    /// Notes at the top of the tab.
    pub notes: &'a [String],
}

impl PageRenderer {
    /// Loads the templates: built-in, then the theme's, then the site's.
    pub fn new(config: &Config, root: &Path) -> Result<PageRenderer> {
        let theme_dir = if config.theme == "default" {
            None
        } else {
            let dir = root.join("themes").join(&config.theme);
            if !dir.is_dir() {
                bail!(
                    "key `theme`: theme `{}` not found (expected folder `{}`)",
                    config.theme,
                    dir.display()
                );
            }
            Some(dir)
        };
        Ok(PageRenderer { tera: templates::load_templates(theme_dir.as_deref(), root)? })
    }

    /// A tab's page. `team_note` says which reports a team view cannot
    /// narrow.
    pub fn tab(
        &self,
        site: &SiteView,
        tab: &TabConfig,
        reports: &[ReportView],
        team_note: Option<&str>,
    ) -> Result<String> {
        let mut context = tera::Context::new();
        context.insert("site", site);
        context.insert("root", "../");
        context.insert("current_tab", &tab.id);
        context.insert(
            "tab",
            &TabPage { id: &tab.id, title: &tab.title, description: &tab.description, notes: &tab.notes },
        );
        context.insert("pdf", &tab_pdf_name(tab));
        context.insert("has_charts", &reports.iter().any(|v| v.chart.is_some()));
        context.insert("reports", reports);
        context.insert("team_note", &team_note);
        self.render("tab.html", &context)
    }

    /// The overview page.
    pub fn index(&self, site: &SiteView, headlines: &[HeadlineView]) -> Result<String> {
        let mut context = tera::Context::new();
        context.insert("site", site);
        context.insert("root", "");
        context.insert("current_tab", "");
        context.insert("headlines", headlines);
        self.render("index.html", &context)
    }

    fn render(&self, template: &str, context: &tera::Context) -> Result<String> {
        self.tera
            .render(template, context)
            .map_err(|e| anyhow!("failed to render template `{template}`: {}", templates::error_chain(&e)))
    }
}

/// What the filter bar offers.
#[derive(Debug, Serialize)]
pub struct FilterModel {
    /// The organizations, with their teams.
    pub organizations: Vec<OrganizationOption>,
    /// Every month from the first day of the data to the as-of month,
    /// `YYYY-MM`.
    pub months: Vec<String>,
    /// The one view the whole site shows (`tally build --view`), by label.
    pub scope: Option<String>,
}

/// An organization in the filter bar.
#[derive(Debug, Serialize)]
pub struct OrganizationOption {
    /// Readable name.
    pub label: String,
    /// Its slug in the URL (`#org=<slug>`).
    pub slug: String,
    /// Its view's key (`organization/<slug>`), when that view was built.
    pub key: Option<String>,
    /// Its teams.
    pub teams: Vec<TeamOption>,
}

/// A team in the filter bar.
#[derive(Debug, Serialize)]
pub struct TeamOption {
    /// The team's name.
    pub label: String,
    /// Its slug in the URL (`#team=<slug>`).
    pub slug: String,
    /// Its view's key (`team/<slug>`).
    pub key: String,
}

impl FilterModel {
    /// The filter bar over `views`, for data from `first_day` to `as_of`.
    pub fn new(views: &[&View], scope: Option<&View>, first_day: Date, as_of: Date) -> FilterModel {
        let mut ids: Vec<&str> = Vec::new();
        let mut organizations: Vec<OrganizationOption> = Vec::new();
        for view in views {
            let at = ids.iter().position(|id| *id == view.organization).unwrap_or_else(|| {
                ids.push(&view.organization);
                organizations.push(OrganizationOption {
                    label: view.organization_label.clone(),
                    slug: org_slug(view, views),
                    key: None,
                    teams: Vec::new(),
                });
                organizations.len() - 1
            });
            match view.filter {
                Filter::Organization => organizations[at].key = Some(view.key()),
                Filter::Team => organizations[at].teams.push(TeamOption {
                    label: view.label.clone(),
                    slug: view.slug.clone(),
                    key: view.key(),
                }),
            }
        }
        let mut months = Vec::new();
        let mut month = first_day.month_start();
        while month <= as_of {
            months.push(month.to_string()[..7].to_string());
            let (y, m, _) = month.ymd();
            month = if m == 12 { Date::from_ymd(y + 1, 1, 1) } else { Date::from_ymd(y, m + 1, 1) }
                .expect("the first of a month is a date");
        }
        let scope = scope.map(|v| match &v.team {
            Some(team) => format!("{team} ({})", v.organization_label),
            None => v.label.clone(),
        });
        FilterModel { organizations, months, scope }
    }
}

/// An organization's slug in the URL: its view's, or, when only its teams
/// were built, the slug its view would have.
fn org_slug(view: &View, views: &[&View]) -> String {
    views
        .iter()
        .find(|v| v.filter == Filter::Organization && v.organization == view.organization)
        .map(|v| v.slug.clone())
        .unwrap_or_else(|| crate::view::slugify(&view.organization))
}

/// `views/index.js`: `tally.filters(<model>);`.
pub fn filter_script(model: &FilterModel) -> Result<Vec<u8>> {
    let json = serde_json::to_string(model)?;
    Ok(format!("tally.filters({});\n", escape_script_json(&json)).into_bytes())
}
