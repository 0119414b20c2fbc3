//! The protocol side of `tally mcp`: an rmcp `ServerHandler` over stdio
//! with four read-only tools (see `tools`) and the site's report JSON and
//! tab PDFs as resources. A tool's failure (an unknown id, a bad argument, a
//! folder that is not a tally site) is an `isError` result with the message,
//! which the model reads; an unknown resource is a protocol error.

use std::sync::Arc;

use anyhow::{anyhow, bail, Result};
use base64::Engine;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, ListResourceTemplatesResult, ListResourcesResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_handler, tool_router, ErrorData as McpError, RoleServer, ServerHandler, ServiceExt};
use serde_json::Value;

use super::site::{Manifest, SiteDir};
use super::tools::{self, ExplainArgs, GetRowsArgs, ListReportsArgs, ListViewsArgs};

/// The URI scheme of the resources.
const SCHEME: &str = "tally://";

/// The server: the site folder and the tool table.
#[derive(Clone)]
pub struct TallyServer {
    site: Arc<SiteDir>,
    instructions: String,
    tool_router: ToolRouter<TallyServer>,
}

#[tool_router]
impl TallyServer {
    /// A server over `site`.
    pub fn new(site: SiteDir) -> TallyServer {
        let instructions = instructions(&site);
        TallyServer { site: Arc::new(site), instructions, tool_router: Self::tool_router() }
    }

    #[tool(
        description = "List the usage dashboard's tabs and their reports: ids, titles, what each report shows, \
                       its columns with types, its row count for the whole company, the as-of date the numbers \
                       are computed for, and notes on how far back each tab's data goes. Call this first to find \
                       the tab and report ids the other tools take.",
        annotations(title = "List reports", read_only_hint = true, open_world_hint = false)
    )]
    async fn list_reports(
        &self,
        Parameters(args): Parameters<ListReportsArgs>,
    ) -> Result<CallToolResult, McpError> {
        self.answer(move |site| tools::list_reports(site, &args)).await
    }

    #[tool(
        description = "List the organization and team views of the site: each view is the same dashboard \
                       computed over one organization's or one team's data. Returns each view's `value` (pass it \
                       as `organization` or `team` to get_report_rows) and its readable name.",
        annotations(
            title = "List organization and team views",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_views(
        &self,
        Parameters(args): Parameters<ListViewsArgs>,
    ) -> Result<CallToolResult, McpError> {
        self.answer(move |site| tools::list_views(site, &args)).await
    }

    #[tool(
        description = "Get one report's rows, exactly as the site's JSON download has them, for the whole \
                       company or for one organization or team. Optionally only some columns, only rows in a \
                       month range (YYYY-MM, by a date column), and a page of rows (`limit`, default 100, at \
                       most 1000; `offset`). The answer says how many rows match in all (`total_rows`) and the \
                       `next_offset` for the next page.",
        annotations(title = "Get report rows", read_only_hint = true, open_world_hint = false)
    )]
    async fn get_report_rows(
        &self,
        Parameters(args): Parameters<GetRowsArgs>,
    ) -> Result<CallToolResult, McpError> {
        self.answer(move |site| tools::get_report_rows(site, &args)).await
    }

    #[tool(
        description = "Explain how a report's numbers are made: its description, columns, data-history notes, \
                       the SQL that computes it (as the site's \"View SQL\" shows it) and the values of the \
                       date parameters that SQL uses (as_of(), month_start(), ...).",
        annotations(title = "Explain a report", read_only_hint = true, open_world_hint = false)
    )]
    async fn explain_report(
        &self,
        Parameters(args): Parameters<ExplainArgs>,
    ) -> Result<CallToolResult, McpError> {
        self.answer(move |site| tools::explain_report(site, &args)).await
    }
}

impl TallyServer {
    /// Runs a tool on the blocking pool (it reads files) and turns its
    /// error into an `isError` result carrying the whole message, which the
    /// model reads (a protocol error would reach it as a bare failure).
    async fn answer<F>(&self, tool: F) -> Result<CallToolResult, McpError>
    where
        F: FnOnce(&SiteDir) -> Result<Value> + Send + 'static,
    {
        self.blocking(move |site| {
            Ok(match tool(site) {
                Ok(value) => CallToolResult::success(vec![ContentBlock::text(value.to_string())]),
                Err(error) => CallToolResult::error(vec![ContentBlock::text(format!("{error:#}"))]),
            })
        })
        .await
    }

    /// Runs file-reading work on the blocking pool, so the protocol loop
    /// keeps answering (pings, cancellations) meanwhile.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&SiteDir) -> Result<T, McpError> + Send + 'static,
    ) -> Result<T, McpError> {
        let site = Arc::clone(&self.site);
        tokio::task::spawn_blocking(move || work(&site))
            .await
            .map_err(|e| McpError::internal_error(format!("the request stopped unexpectedly: {e}"), None))?
    }
}

/// What the model is told when it connects: what the site is, and how to
/// start. Read once; the tools re-read the site on every call.
fn instructions(site: &SiteDir) -> String {
    let about = "Read-only access to a usage dashboard built by tally: the same numbers as its pages and \
                 JSON downloads. Start with list_reports to find tab and report ids, then get_report_rows \
                 (whole company, or one organization or team from list_views); explain_report tells how a \
                 number is made.";
    match site.manifest() {
        Ok(m) => {
            let scope =
                m.scope.map(|v| format!(" It holds only the data of {}.", v.label)).unwrap_or_default();
            format!("{about} This site: \"{}\", numbers as of {}.{scope}", m.site.title, m.as_of)
        }
        Err(e) => format!("{about} The site cannot be read right now: {e:#}"),
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for TallyServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_resources().enable_tools().build())
            .with_server_info(
                Implementation::new("tally", env!("CARGO_PKG_VERSION")).with_title("tally usage dashboard"),
            )
            .with_instructions(self.instructions.clone())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        self.blocking(|site| {
            let manifest = site.manifest().map_err(|e| McpError::internal_error(format!("{e:#}"), None))?;
            Ok(ListResourcesResult { resources: resources(site, &manifest), ..Default::default() })
        })
        .await
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        let templates = vec![
            ResourceTemplate::new(format!("{SCHEME}{{tab}}/{{report}}"), "report")
                .with_title("A report's JSON download (whole company)")
                .with_mime_type("application/json"),
            ResourceTemplate::new(format!("{SCHEME}{{tab}}/{{tab}}.pdf"), "tab-pdf")
                .with_title("A tab's PDF (whole company)")
                .with_mime_type("application/pdf"),
        ];
        Ok(ListResourceTemplatesResult { resource_templates: templates, ..Default::default() })
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let uri = request.uri;
        self.blocking(move |site| {
            let manifest = site.manifest().map_err(|e| McpError::internal_error(format!("{e:#}"), None))?;
            let target = resolve_uri(&manifest, &uri).map_err(|e| {
                McpError::resource_not_found(format!("{e:#}"), Some(serde_json::json!({"uri": uri})))
            })?;
            let contents = match target {
                Target::Report(rel) => {
                    let text = site
                        .read_to_string(&rel)
                        .map_err(|e| McpError::internal_error(format!("{e:#}"), None))?;
                    ResourceContents::text(text, uri).with_mime_type("application/json")
                }
                Target::Pdf(rel) => {
                    let bytes = site
                        .read_bytes(&rel)
                        .map_err(|e| McpError::internal_error(format!("{e:#}"), None))?;
                    let blob = base64::engine::general_purpose::STANDARD.encode(bytes);
                    ResourceContents::blob(blob, uri).with_mime_type("application/pdf")
                }
            };
            Ok(ReadResourceResult::new(vec![contents]).into())
        })
        .await
    }
}

/// Every whole-company report's JSON, and every tab PDF the site has.
fn resources(site: &SiteDir, manifest: &Manifest) -> Vec<Resource> {
    let mut resources = Vec::new();
    for tab in &manifest.tabs {
        for report in tab.reports.iter().filter(|r| r.error.is_none()) {
            let rel = format!("{}/{}.json", tab.id, report.id);
            let mut resource = Resource::new(
                format!("{SCHEME}{}/{}", tab.id, report.id),
                format!("{}/{}", tab.id, report.id),
            )
            .with_title(format!("{}: {}", tab.title, report.title))
            .with_mime_type("application/json");
            if let Some(description) = report.description.as_deref().filter(|d| !d.is_empty()) {
                resource = resource.with_description(description);
            }
            if let Some(size) = site.file_size(&rel) {
                resource = resource.with_size(size);
            }
            resources.push(resource);
        }
        let rel = format!("{0}/{0}.pdf", tab.id);
        if let Some(size) = site.file_size(&rel) {
            resources.push(
                Resource::new(format!("{SCHEME}{rel}"), format!("{}.pdf", tab.id))
                    .with_title(format!("{} (PDF)", tab.title))
                    .with_description(format!(
                        "The whole {} tab as one PDF, as of {}.",
                        tab.title, manifest.as_of
                    ))
                    .with_mime_type("application/pdf")
                    .with_size(size),
            );
        }
    }
    resources
}

/// What a resource URI names: a file of the site, relative to its root.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Report(String),
    Pdf(String),
}

/// `tally://<tab>/<report>` or `tally://<tab>/<tab>.pdf`, with ids that the
/// manifest lists; anything else is refused.
fn resolve_uri(manifest: &Manifest, uri: &str) -> Result<Target> {
    let Some(rest) = uri.strip_prefix(SCHEME) else {
        bail!(
            "`{}` is not a tally resource: its URIs are tally://<tab>/<report> and tally://<tab>/<tab>.pdf",
            uri.escape_debug()
        );
    };
    let (tab, name) = rest.split_once('/').ok_or_else(|| {
        anyhow!(
            "`{}` is not a tally resource: its URIs are tally://<tab>/<report> and tally://<tab>/<tab>.pdf",
            uri.escape_debug()
        )
    })?;
    if let Some(pdf_tab) = name.strip_suffix(".pdf") {
        let tab = manifest.tab(tab)?;
        if pdf_tab != tab.id {
            bail!("the PDF of tab `{0}` is tally://{0}/{0}.pdf", tab.id);
        }
        return Ok(Target::Pdf(format!("{0}/{0}.pdf", tab.id)));
    }
    let (tab, report) = manifest.report(tab, name)?;
    if report.error.is_some() {
        bail!("report `{}/{}` failed when the site was built, so it has no JSON", tab.id, report.id);
    }
    Ok(Target::Report(format!("{}/{}.json", tab.id, report.id)))
}

/// Serves `site` on stdin/stdout until the client closes stdin.
pub fn serve(site: SiteDir) -> Result<()> {
    match site.manifest() {
        Ok(m) => eprintln!(
            "tally mcp: serving `{}` ({} tabs, {} reports, {} views, as of {}) on stdio",
            site.root().display(),
            m.tabs.len(),
            m.tabs.iter().map(|t| t.reports.len()).sum::<usize>(),
            m.views.len(),
            m.as_of
        ),
        // Serve anyway: every tool call then answers with this message, which
        // reaches the user through the model, where a server that exits
        // shows up only as "failed to start".
        Err(e) => eprintln!("tally mcp: warning: {e:#}"),
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow!("failed to start the async runtime: {e}"))?;
    runtime.block_on(async {
        let service = TallyServer::new(site)
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| anyhow!("the MCP session failed to start: {e}"))?;
        service.waiting().await.map_err(|e| anyhow!("the MCP session failed: {e}"))?;
        eprintln!("tally mcp: the client closed the connection; stopping");
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest() -> Manifest {
        serde_json::from_value(json!({
            "site": {"title": "x"}, "as_of": "2026-01-01", "format_version": 2,
            "tabs": [{"id": "people", "title": "People", "reports": [
                {"id": "user-count", "title": "Users", "columns": []},
                {"id": "broken", "title": "Broken", "columns": [], "error": "boom"}]}]
        }))
        .unwrap()
    }

    #[test]
    fn resolves_report_and_pdf_uris() {
        let m = manifest();
        assert_eq!(
            resolve_uri(&m, "tally://people/user-count").unwrap(),
            Target::Report("people/user-count.json".into())
        );
        assert_eq!(
            resolve_uri(&m, "tally://people/people.pdf").unwrap(),
            Target::Pdf("people/people.pdf".into())
        );
    }

    #[test]
    fn refuses_other_uris() {
        let m = manifest();
        for (uri, expected) in [
            ("file:///etc/passwd", "is not a tally resource"),
            ("tally://people", "is not a tally resource"),
            ("tally://../../etc/passwd", "is not a tab id"),
            ("tally://people/../../etc/passwd", "is not a report id"),
            ("tally://people/other.pdf", "the PDF of tab `people` is tally://people/people.pdf"),
            ("tally://people/nope", "no report `nope` in tab `people`"),
            ("tally://people/broken", "failed when the site was built"),
            ("tally://api/index", "no tab `api`"),
        ] {
            let err = format!("{:#}", resolve_uri(&m, uri).unwrap_err());
            assert!(err.contains(expected), "{uri}: {err}");
        }
    }
}
