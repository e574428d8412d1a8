//! One async operation on the libuv pool, whose failure reaches JS as a structured error.
//!
//! napi-rs tasks fail with a `napi::Error` made off the JS thread, where no JS object can be built;
//! a `Job` keeps the `Failure` aside and builds the error object in `reject`, on the JS thread.

use napi::bindgen_prelude::{Task, ToNapiValue, TypeName};
use napi::Env;

use crate::error::{catch_panic, Failure};

/// The work of one operation: `run` off the JS thread, `to_js` on it.
pub trait Work: Send + Sized {
    type Output: Send + 'static;
    type JsValue: ToNapiValue + TypeName;

    fn run(&mut self) -> Result<Self::Output, Failure>;

    fn to_js(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue>;
}

pub struct Job<W: Work> {
    work: W,
    failure: Option<Failure>,
}

impl<W: Work> Job<W> {
    pub fn new(work: W) -> Self {
        Job {
            work,
            failure: None,
        }
    }
}

impl<W: Work> Task for Job<W> {
    type Output = W::Output;
    type JsValue = W::JsValue;

    fn compute(&mut self) -> napi::Result<W::Output> {
        catch_panic(|| self.work.run()).map_err(|failure| {
            let placeholder = napi::Error::from_reason(failure.message.clone());
            self.failure = Some(failure);
            placeholder
        })
    }

    fn resolve(&mut self, env: Env, output: W::Output) -> napi::Result<W::JsValue> {
        self.work.to_js(env, output)
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<W::JsValue> {
        // Without a Failure the task was cancelled through its AbortSignal before it ran: napi-rs
        // rejects that with its own AbortError, which the facade reads by name.
        Err(match self.failure.take() {
            Some(failure) => failure.into_js(&env),
            None => err,
        })
    }
}
