//! Typed responses: what an operation answers, before it becomes bytes. An operation builds an
//! `Output` (its result members in AWS's order); `render` turns it into XML or JSON.

/// The result of one operation: `<{operation}Result>` children in the order AWS emits them.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub operation: &'static str,
    pub result: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    /// Seconds since the epoch; `YYYY-MM-DDTHH:MM:SSZ` in XML, a number in JSON (as STS does).
    Time(i64),
    Struct(Vec<Field>),
}

/// Builds a list of fields in order: `Fields::new().str("Arn", arn).int("PackedPolicySize", 6)`.
#[derive(Debug, Default)]
pub struct Fields(Vec<Field>);

impl Fields {
    pub fn new() -> Fields {
        Fields(Vec::with_capacity(4))
    }

    pub fn str(mut self, name: &'static str, value: impl Into<String>) -> Fields {
        self.0.push(Field {
            name,
            value: Value::Str(value.into()),
        });
        self
    }

    pub fn opt_str(self, name: &'static str, value: Option<impl Into<String>>) -> Fields {
        match value {
            Some(v) => self.str(name, v),
            None => self,
        }
    }

    pub fn int(mut self, name: &'static str, value: i64) -> Fields {
        self.0.push(Field {
            name,
            value: Value::Int(value),
        });
        self
    }

    pub fn opt_int(self, name: &'static str, value: Option<i64>) -> Fields {
        match value {
            Some(v) => self.int(name, v),
            None => self,
        }
    }

    pub fn time(mut self, name: &'static str, epoch_seconds: i64) -> Fields {
        self.0.push(Field {
            name,
            value: Value::Time(epoch_seconds),
        });
        self
    }

    pub fn nested(mut self, name: &'static str, fields: Fields) -> Fields {
        self.0.push(Field {
            name,
            value: Value::Struct(fields.0),
        });
        self
    }

    pub fn output(self, operation: &'static str) -> Output {
        Output {
            operation,
            result: self.0,
        }
    }
}
