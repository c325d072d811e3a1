// Package eval measures how well answering methods (a base model, single LoRA adapters,
// merges of them) answer a set of questions: SQuAD-style exact match and token F1,
// ROUGE-L, citation accuracy and retrieval recall@k, with a bootstrap interval for the
// main metric, reported as a table, JSON and an SVG chart.
//
// The package knows nothing about models: a Method is a function from a question to a
// Prediction, so the CLI, the miniature benchmark and tests plug in whatever answers.
package eval
