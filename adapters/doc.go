// Package adapters reads, validates, merges and writes LoRA adapters in Hugging Face PEFT's
// on-disk format, and keeps the registry of the adapters a deployment may use.
//
// The product composes a domain adapter (knowledge of a manual) with a QA adapter (the skill
// of answering) by CAT, the concatenation of LoRAs of "LoRA Soups" (arXiv 2410.13025): the
// merged delta of module m is exactly sum_i w_i s_i B_i A_i, and the result is itself a plain
// LoRA of rank sum r_i that any PEFT-compatible server loads. The other merge methods
// (linear, ties, dare_linear, dare_ties, svd) follow PEFT's add_weighted_adapter so that a
// merge made here and one made with PEFT agree.
//
// Everything here is pure data and math: nothing touches a running model. Callers validate an
// adapter against the model's ModelShape before handing it to the inference package.
package adapters
