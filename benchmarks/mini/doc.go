// Package mini generates the miniature skill-composition benchmark: a fictional gadget
// manual in the simple English of TinyStories (so the 260K-parameter stories260K model
// can read it), held-out questions about the manual, a small disjoint tuning set for
// learning CAT weights, and a question-answering skill set about other things (children,
// animals, toys), so that a domain LoRA learns the manual's facts, a QA LoRA learns the
// answering skill, and their merge can be tested on what neither learnt alone.
//
// Everything is a pure function of a seed: the same Config always gives the same bytes.
// Prompt and Completion fix the one prompt format shared by training and evaluation.
package mini
