package mini

import "strings"

// The prompt format, the only one the trainer and the evaluator use:
//
//	open book:   "Context: <passage>\nQuestion: <question>\nAnswer:"
//	closed book: "Question: <question>\nAnswer:"
//
// and the model is trained to continue with Completion(answer) = " <answer>." followed
// by the end-of-sequence token. Plain labels rather than a chat template, because the
// tiny model has no chat training and every extra token costs a 512-token window.
const (
	contextLabel  = "Context: "
	questionLabel = "Question: "
	answerLabel   = "Answer:"
)

// Prompt renders a question, with its context when one is given (open book).
func Prompt(question, context string) string {
	var b strings.Builder
	if c := oneLine(context); c != "" {
		b.WriteString(contextLabel + c + "\n")
	}
	b.WriteString(questionLabel + oneLine(question) + "\n" + answerLabel)
	return b.String()
}

// Completion is the text a model is trained to write after Prompt: a space, the answer
// and a full stop (the trainer appends the EOS token after it).
func Completion(answer string) string { return " " + oneLine(answer) + "." }

// ExtractAnswer undoes Completion on generated text: the words up to the first full
// stop or line break, so a model that rambles on is scored on its first answer.
func ExtractAnswer(generated string) string {
	s := generated
	if i := strings.IndexAny(s, ".\n"); i >= 0 {
		s = s[:i]
	}
	return oneLine(s)
}

// oneLine collapses whitespace, so passages and questions cannot break the format's lines.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
