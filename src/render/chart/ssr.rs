//! ECharts' own server-side SVG renderer, run in QuickJS (rquickjs).
//!
//! One `Engine` is one QuickJS runtime with ECharts loaded. ECharts is
//! compiled to QuickJS bytecode once per process (~150 ms for the 1 MB
//! script) and each engine loads that (~40 ms, against ~200 ms to parse the
//! script again); still, a thread keeps its engine for every chart it
//! renders. ECharts measures text through `setPlatformAPI` with the advance
//! widths of the DejaVu fonts the PNG is drawn with, so label layout
//! (overlap hiding, legend spacing) fits the final image.

use std::sync::OnceLock;

use anyhow::{anyhow, Context as _, Result};
use rquickjs::{CaughtError, Context, Ctx, Function, Module, Runtime};

use super::metrics;
use super::{CHARTS_JS, ECHARTS_JS};

/// Globals ECharts expects from a browser that QuickJS does not have. With
/// `ssr: true` and `animation: false` nothing is scheduled, but zrender
/// still references the timer functions.
const PRELUDE: &str = r#"
var console = {
  log: function () {}, info: function () {}, debug: function () {},
  warn: function () {}, error: function () {}
};
function setTimeout(fn) { return 0; }
function clearTimeout() {}
function setInterval() { return 0; }
function clearInterval() {}
"#;

const HARNESS: &str = r#"
echarts.setPlatformAPI({
  measureText: function (text, font) {
    return { width: __tallyMeasure(String(text), String(font || '')) };
  }
});
function __tallyRender(json, width, height) {
  var option = tallyCharts.hydrate(JSON.parse(json));
  // Interactive-only components; an image has no pointer.
  delete option.tooltip;
  var chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: width, height: height });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
"#;

/// The engine's own scripts, for the cache key.
pub(crate) const SOURCES: [&str; 2] = [PRELUDE, HARNESS];

/// A QuickJS runtime with ECharts loaded.
pub(crate) struct Engine {
    // Field order matters: the context must drop before its runtime.
    context: Context,
    _runtime: Runtime,
}

impl Engine {
    /// Starts QuickJS and loads ECharts and tally's formatters.
    pub(crate) fn new() -> Result<Engine> {
        let runtime = Runtime::new().context("failed to start QuickJS")?;
        // A chart needs a few MB; the cap turns a runaway option into an
        // error instead of exhausting the machine.
        runtime.set_memory_limit(1 << 30);
        let context = Context::full(&runtime).context("failed to create a QuickJS context")?;
        let echarts = echarts_bytecode()?;
        context.with(|ctx| -> Result<()> {
            eval(&ctx, PRELUDE, "prelude")?;
            // SAFETY: the bytecode was written by this QuickJS, in this
            // process, from the script built into tally (`echarts_bytecode`).
            let module = unsafe { Module::load(ctx.clone(), echarts) }
                .map_err(|e| js_error(&ctx, e))
                .context("failed to load ECharts into QuickJS")?;
            let (_, done) = module.eval().map_err(|e| js_error(&ctx, e))?;
            done.finish::<()>()
                .map_err(|e| js_error(&ctx, e))
                .context("failed to load ECharts into QuickJS")?;
            eval(&ctx, CHARTS_JS, "charts.js")?;
            let measure = Function::new(ctx.clone(), |text: String, font: String| -> f64 {
                metrics::measure(&text, &font)
            })
            .map_err(|e| js_error(&ctx, e))?;
            ctx.globals().set("__tallyMeasure", measure).map_err(|e| js_error(&ctx, e))?;
            eval(&ctx, HARNESS, "harness")
        })?;
        Ok(Engine { context, _runtime: runtime })
    }

    /// Renders an option (JSON) to ECharts' SVG string.
    pub(crate) fn render_svg(&self, option_json: &str, width: u32, height: u32) -> Result<String> {
        let svg = self.context.with(|ctx| -> Result<String> {
            let render: Function = ctx.globals().get("__tallyRender").map_err(|e| js_error(&ctx, e))?;
            render.call((option_json, width, height)).map_err(|e| js_error(&ctx, e))
        })?;
        // No explicit `run_gc` here: a collection costs 5-10 ms, as much as
        // a small chart, and QuickJS collects by allocation threshold anyway.
        Ok(svg)
    }
}

#[cfg(test)]
impl Engine {
    /// Evaluates an expression to a string (tests of the shared JS).
    pub(crate) fn eval_string(&self, source: &str) -> Result<String> {
        self.context.with(|ctx| ctx.eval::<String, _>(source).map_err(|e| js_error(&ctx, e)))
    }
}

/// ECharts compiled to QuickJS bytecode, once per process. It is compiled
/// as a module: its UMD wrapper then sets `globalThis.echarts`, as the
/// script did, and module code is strict, which ECharts' build already is.
fn echarts_bytecode() -> Result<&'static [u8]> {
    static BYTECODE: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    let compiled = BYTECODE.get_or_init(|| {
        let compile = || -> Result<Vec<u8>> {
            let runtime = Runtime::new().context("failed to start QuickJS")?;
            let context = Context::full(&runtime).context("failed to create a QuickJS context")?;
            context.with(|ctx| {
                let module = Module::declare(ctx.clone(), "echarts.min.js", ECHARTS_JS)
                    .map_err(|e| js_error(&ctx, e))?;
                module.write_le().map_err(|e| js_error(&ctx, e))
            })
        };
        compile().map_err(|e| format!("failed to compile ECharts for QuickJS: {e:#}"))
    });
    compiled.as_deref().map_err(|e| anyhow!("{e}"))
}

fn eval(ctx: &Ctx<'_>, source: &str, what: &str) -> Result<()> {
    ctx.eval::<(), _>(source)
        .map_err(|e| js_error(ctx, e))
        .with_context(|| format!("failed to load {what} into QuickJS"))
}

/// The JavaScript exception behind an rquickjs error, with its message.
fn js_error(ctx: &Ctx<'_>, error: rquickjs::Error) -> anyhow::Error {
    anyhow!("{}", CaughtError::from_error(ctx, error).to_string().trim_end())
}
