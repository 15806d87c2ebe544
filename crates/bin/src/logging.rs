//! The service's log lines: compact text in development, one JSON object a
//! line in production (each with the fields of the spans it is in: the
//! request's method, path, ids and user).

use std::fmt::{self, Write as _};
use std::io::IsTerminal;

use tracing::field::{Field, Visit};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormattedFields;
use tracing_subscriber::fmt::format::{FormatFields, Writer};

use crate::Profile;

/// Installs the global subscriber: `filter` as `REALTY_LOG` gives it (`info`
/// if it does not parse), to standard error.
pub fn init(filter: &str, profile: Profile) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match profile {
        Profile::Dev => builder.compact().init(),
        Profile::Prod => {
            builder.json().flatten_event(true).with_current_span(true).fmt_fields(JsonSpanFields).init()
        }
    }
}

/// Writes a span's fields as the JSON object that the JSON lines embed
/// (`"span":{…}`), straight out.
///
/// Every request opens a span, and its fields are formatted when it opens,
/// whether or not anything is logged in it (it is at ERROR level, so that
/// its fields are on every error line). tracing-subscriber's own
/// `JsonFields` collects them into a map of `serde_json::Value`s and
/// serialises that: 11,000 instructions of a request by id's 125,000
/// (BENCHMARKS.md, "Layers around the router"). The output is the same
/// object; the JSON formatter parses it back only when a line is written.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsonSpanFields;

impl<'writer> FormatFields<'writer> for JsonSpanFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut object = JsonObject::open(&mut writer)?;
        fields.record(&mut object);
        object.close()
    }

    /// A field recorded later (the user, once authenticated) goes into the
    /// object already written.
    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        if current.fields.pop() != Some('}') {
            current.fields.clear();
            return self.format_fields(current.as_writer(), fields);
        }
        let empty = current.fields.ends_with('{');
        let mut object = JsonObject { writer: &mut current.fields, empty, failed: None };
        fields.record(&mut object);
        object.close()
    }
}

/// A JSON object being written, one field at a time.
struct JsonObject<'a, W: fmt::Write + ?Sized> {
    writer: &'a mut W,
    empty: bool,
    /// The first write that failed; the visitor's methods cannot return it.
    failed: Option<fmt::Error>,
}

impl<'a, W: fmt::Write + ?Sized> JsonObject<'a, W> {
    fn open(writer: &'a mut W) -> Result<Self, fmt::Error> {
        writer.write_char('{')?;
        Ok(Self { writer, empty: true, failed: None })
    }

    fn close(self) -> fmt::Result {
        if let Some(error) = self.failed {
            return Err(error);
        }
        self.writer.write_char('}')
    }

    /// Writes `"name":` and then the value `write` writes.
    fn entry(&mut self, field: &Field, write: impl FnOnce(&mut W) -> fmt::Result) {
        if self.failed.is_some() {
            return;
        }
        // As `JsonFields`: a raw identifier (`r#type`) is named without its prefix.
        let name = field.name().strip_prefix("r#").unwrap_or(field.name());
        let separator = if self.empty { "" } else { "," };
        self.empty = false;
        let written = write!(self.writer, "{separator}\"")
            .and_then(|()| JsonEscaped(&mut *self.writer).write_str(name))
            .and_then(|()| self.writer.write_str("\":"))
            .and_then(|()| write(self.writer));
        if let Err(error) = written {
            self.failed = Some(error);
        }
    }

    fn string(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        self.entry(field, |writer| {
            writer.write_char('"')?;
            JsonEscaped(&mut *writer).write_fmt(value)?;
            writer.write_char('"')
        });
    }
}

impl<W: fmt::Write + ?Sized> Visit for JsonObject<'_, W> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.string(field, format_args!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.string(field, format_args!("{value}"));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.entry(field, |writer| write!(writer, "{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.entry(field, |writer| write!(writer, "{value}"));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.entry(field, |writer| write!(writer, "{value}"));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.entry(field, |writer| write!(writer, "{value}"));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.entry(field, |writer| write!(writer, "{value}"));
    }

    /// JSON has no NaN or infinity: those are `null`, as serde_json writes them.
    fn record_f64(&mut self, field: &Field, value: f64) {
        if value.is_finite() {
            self.entry(field, |writer| write!(writer, "{value:?}"));
        } else {
            self.entry(field, |writer| writer.write_str("null"));
        }
    }
}

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// Escapes what it is given as the inside of a JSON string (RFC 8259 §7:
/// the quotation mark, the reverse solidus and the control characters).
struct JsonEscaped<'a, W: fmt::Write + ?Sized>(&'a mut W);

impl<W: fmt::Write + ?Sized> fmt::Write for JsonEscaped<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        // Ids, methods and paths hardly ever need escaping: one pass without
        // early exit (the compiler vectorises it) tells, then one write.
        if !text.bytes().fold(false, |escape, byte| escape | needs_escape(byte)) {
            return self.0.write_str(text);
        }
        let mut unwritten = 0;
        for (at, byte) in text.bytes().enumerate() {
            let escape = match byte {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..=0x1f => "",
                _ => continue,
            };
            // Only ASCII bytes are escaped, so `at` is on a character boundary.
            self.0.write_str(&text[unwritten..at])?;
            if escape.is_empty() {
                write!(self.0, "\\u{byte:04x}")?;
            } else {
                self.0.write_str(escape)?;
            }
            unwritten = at + 1;
        }
        self.0.write_str(&text[unwritten..])
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use serde_json::Value;
    use tracing_subscriber::fmt::format::JsonFields;

    use super::*;

    /// Log lines written to memory.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("not poisoned").extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Lines {
        fn only_line(&self) -> Value {
            let bytes = self.0.lock().expect("not poisoned").clone();
            let text = String::from_utf8(bytes).expect("UTF-8");
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 1, "{text}");
            serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("{e}: {}", lines[0]))
        }
    }

    /// The `span` object of the one error line logged in the span `open`
    /// returns, as production writes it with span fields formatted by
    /// `fields`.
    fn span_object<N>(fields: N, open: impl FnOnce() -> tracing::Span) -> Value
    where
        N: for<'w> FormatFields<'w> + Send + Sync + 'static,
    {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .fmt_fields(fields)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            open().in_scope(|| tracing::error!(cause = "boom", "internal error"));
        });
        lines.only_line()["span"].clone()
    }

    /// A request's span on `path`, its user recorded once known.
    fn request_span(path: &str) -> tracing::Span {
        let span = tracing::error_span!(
            "request",
            method = %"GET",
            path = %path,
            request_id = "id-1",
            latency = 1.5_f64,
            r#type = 3_u64,
            negative = -4_i64,
            flag = true,
            user_id = tracing::field::Empty,
            never = tracing::field::Empty,
        );
        span.record("user_id", 7);
        span
    }

    #[test]
    fn a_span_reads_as_tracing_subscribers_own_json_fields_write_it() {
        let paths = [
            "/properties/1",
            "/quote\"/backslash\\/slash/",
            "/newline\n/return\r/tab\t/nul\u{0}/unit-separator\u{1f}/delete\u{7f}",
            "/é/ß/日本/🏠/\u{2028}",
            "",
        ];
        for path in paths {
            let ours = span_object(JsonSpanFields, || request_span(path));
            let theirs = span_object(JsonFields::new(), || request_span(path));

            assert_eq!(ours, theirs, "path {path:?}");
            assert_eq!(ours["path"], Value::from(path), "path {path:?}");
            assert_eq!(ours["user_id"], Value::from(7), "path {path:?}");
        }
    }

    #[test]
    fn a_field_recorded_into_a_span_opened_without_values_makes_one_object() {
        let open = || {
            let span = tracing::error_span!("bare", user_id = tracing::field::Empty);
            span.record("user_id", "u\"1");
            span
        };

        let ours = span_object(JsonSpanFields, open);

        assert_eq!(ours, serde_json::json!({"name": "bare", "user_id": "u\"1"}));
        assert_eq!(ours, span_object(JsonFields::new(), open));
    }

    #[test]
    fn non_finite_numbers_are_null() {
        let open = || tracing::error_span!("numbers", nan = f64::NAN, inf = f64::NEG_INFINITY, one = 1.0_f64);

        let ours = span_object(JsonSpanFields, open);

        assert_eq!(ours, serde_json::json!({"name": "numbers", "nan": null, "inf": null, "one": 1.0}));
        assert_eq!(ours, span_object(JsonFields::new(), open));
    }
}
