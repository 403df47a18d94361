//! Bring your own model: an [`LlmModel`] from a HuggingFace `config.json`.
//!
//! Supported architectures: `LlamaForCausalLM`, `MistralForCausalLM`,
//! `MixtralForCausalLM` (mixture of experts) and `Qwen2ForCausalLM` (with
//! biases on the query, key and value projections). Parameters are counted
//! from the shapes: embeddings (and the output head unless tied), per layer
//! the attention projections, the gated MLP (three hidden x intermediate
//! matrices; per expert for MoE, plus the router) and two RMS norms, and the
//! final norm.

use super::LlmModel;
use serde::Deserialize;

/// Architectures whose shapes this reader understands.
pub const ARCHITECTURES: [&str; 4] = [
    "LlamaForCausalLM",
    "MistralForCausalLM",
    "MixtralForCausalLM",
    "Qwen2ForCausalLM",
];

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum HfConfigError {
    #[error("not a config.json: {0}")]
    Json(String),
    #[error(
        "architecture `{0}` is not supported; expected one of {archs}",
        archs = ARCHITECTURES.join(", ")
    )]
    Architecture(String),
    #[error("field `{field}`: {message}")]
    Field {
        field: &'static str,
        message: String,
    },
}

/// The fields of `config.json` the model's shape needs (others are ignored).
#[derive(Debug, Deserialize)]
struct HfConfig {
    architectures: Vec<String>,
    num_hidden_layers: u32,
    hidden_size: u32,
    num_attention_heads: u32,
    /// Absent in older configs: one KV head per attention head.
    num_key_value_heads: Option<u32>,
    /// Absent in most configs: hidden_size / num_attention_heads.
    head_dim: Option<u32>,
    intermediate_size: u32,
    vocab_size: u32,
    max_position_embeddings: u64,
    #[serde(default)]
    tie_word_embeddings: bool,
    num_local_experts: Option<u32>,
    num_experts_per_tok: Option<u32>,
}

/// Parses `config.json` text into a model named `display_name`; `source`
/// says where the file came from.
pub fn model_from_hf_config(
    text: &str,
    display_name: &str,
    source: &str,
) -> Result<LlmModel, HfConfigError> {
    let c: HfConfig = serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        match message.split('`').nth(1) {
            Some(field) if message.starts_with("missing field") => HfConfigError::Json(format!(
                "missing field `{field}` (a {} needs it)",
                ARCHITECTURES.join(" or ")
            )),
            _ => HfConfigError::Json(message),
        }
    })?;
    let architecture = c.architectures.first().cloned().unwrap_or_default();
    if !ARCHITECTURES.contains(&architecture.as_str()) {
        return Err(HfConfigError::Architecture(architecture));
    }
    let experts = match (
        architecture.as_str(),
        c.num_local_experts,
        c.num_experts_per_tok,
    ) {
        ("MixtralForCausalLM", Some(e), Some(k)) if k >= 1 && k <= e => Some((e, k)),
        ("MixtralForCausalLM", _, _) => {
            return Err(HfConfigError::Field {
                field: "num_local_experts",
                message: "MixtralForCausalLM needs num_local_experts >= num_experts_per_tok >= 1"
                    .into(),
            })
        }
        _ => None,
    };
    let shape = Shape::check(&c)?;
    let qkv_bias = architecture == "Qwen2ForCausalLM";
    let (params, active) = shape.parameters(experts, qkv_bias, c.tie_word_embeddings);
    Ok(LlmModel {
        display_name: display_name.to_string(),
        layers: c.num_hidden_layers,
        hidden: c.hidden_size,
        heads: c.num_attention_heads,
        kv_heads: shape.kv_heads as u32,
        head_dim: shape.head_dim as u32,
        ffn: c.intermediate_size,
        vocab: c.vocab_size,
        params_b: params / 1e9,
        active_params_b: active / 1e9,
        experts: experts.map(|(e, _)| e),
        experts_per_token: experts.map(|(_, k)| k),
        max_context_tokens: c.max_position_embeddings,
        source: format!("{source} ({architecture})"),
        as_of: "user config".into(),
    })
}

/// The dimensions parameters are counted from, as f64.
struct Shape {
    layers: f64,
    hidden: f64,
    heads: f64,
    kv_heads: f64,
    head_dim: f64,
    ffn: f64,
    vocab: f64,
}

impl Shape {
    fn check(c: &HfConfig) -> Result<Shape, HfConfigError> {
        let positive = |field: &'static str, v: u64| {
            if v >= 1 {
                Ok(v as f64)
            } else {
                Err(HfConfigError::Field {
                    field,
                    message: "expected a whole number >= 1, found 0".into(),
                })
            }
        };
        let heads = positive("num_attention_heads", u64::from(c.num_attention_heads))?;
        let kv_heads = c.num_key_value_heads.unwrap_or(c.num_attention_heads);
        if kv_heads == 0 || !c.num_attention_heads.is_multiple_of(kv_heads) {
            return Err(HfConfigError::Field {
                field: "num_key_value_heads",
                message: format!(
                    "expected a divisor of num_attention_heads ({}), found {kv_heads}",
                    c.num_attention_heads
                ),
            });
        }
        let head_dim = match c.head_dim {
            Some(d) => u64::from(d),
            None => u64::from(c.hidden_size / c.num_attention_heads.max(1)),
        };
        positive("max_position_embeddings", c.max_position_embeddings)?;
        Ok(Shape {
            layers: positive("num_hidden_layers", u64::from(c.num_hidden_layers))?,
            hidden: positive("hidden_size", u64::from(c.hidden_size))?,
            heads,
            kv_heads: f64::from(kv_heads),
            head_dim: positive("head_dim", head_dim)?,
            ffn: positive("intermediate_size", u64::from(c.intermediate_size))?,
            vocab: positive("vocab_size", u64::from(c.vocab_size))?,
        })
    }

    /// (total, active per token) parameters.
    fn parameters(&self, experts: Option<(u32, u32)>, qkv_bias: bool, tied: bool) -> (f64, f64) {
        let (h, d) = (self.hidden, self.head_dim);
        let q_and_o = 2.0 * h * self.heads * d;
        let k_and_v = 2.0 * h * self.kv_heads * d;
        let bias = if qkv_bias {
            (self.heads + 2.0 * self.kv_heads) * d
        } else {
            0.0
        };
        let attention = q_and_o + k_and_v + bias;
        let mlp = 3.0 * h * self.ffn;
        let norms = 2.0 * h;
        let (per_layer, active_per_layer) = match experts {
            Some((e, k)) => {
                let router = h * f64::from(e);
                (
                    attention + f64::from(e) * mlp + router + norms,
                    attention + f64::from(k) * mlp + router + norms,
                )
            }
            None => (attention + mlp + norms, attention + mlp + norms),
        };
        let embeddings = self.vocab * h * if tied { 1.0 } else { 2.0 };
        let outside = embeddings + h;
        (
            self.layers * per_layer + outside,
            self.layers * active_per_layer + outside,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn llama(layers: u32, hidden: u32, heads: u32, ffn: u32) -> String {
        format!(
            r#"{{"architectures": ["LlamaForCausalLM"], "num_hidden_layers": {layers},
               "hidden_size": {hidden}, "num_attention_heads": {heads},
               "num_key_value_heads": 8, "intermediate_size": {ffn},
               "vocab_size": 128256, "max_position_embeddings": 131072,
               "rope_theta": 500000.0, "torch_dtype": "bfloat16"}}"#
        )
    }

    #[test]
    fn llama_8b_counts_8_03_billion_parameters() {
        let m = model_from_hf_config(&llama(32, 4096, 32, 14336), "8b", "test").unwrap();
        assert!((m.params_b - 8.03).abs() / 8.03 < 0.005, "{}", m.params_b);
        assert_eq!((m.kv_heads, m.head_dim), (8, 128));
        assert_eq!(m.active_params_b, m.params_b);
        assert_eq!(m.max_context_tokens, 131072);
    }

    #[test]
    fn unknown_architectures_and_missing_fields_are_named() {
        let gpt2 = r#"{"architectures": ["GPT2LMHeadModel"], "num_hidden_layers": 12}"#;
        let e = model_from_hf_config(gpt2, "x", "t")
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing field"), "{e}");
        let text = llama(32, 4096, 32, 14336).replace("LlamaForCausalLM", "GPT2LMHeadModel");
        let e = model_from_hf_config(&text, "x", "t")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`GPT2LMHeadModel` is not supported"), "{e}");
        assert!(e.contains("Qwen2ForCausalLM"), "{e}");
        let text = llama(32, 4096, 32, 14336)
            .replace("\"num_key_value_heads\": 8", "\"num_key_value_heads\": 5");
        let e = model_from_hf_config(&text, "x", "t")
            .unwrap_err()
            .to_string();
        assert!(e.contains("num_key_value_heads"), "{e}");
    }
}
