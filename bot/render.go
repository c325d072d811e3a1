package bot

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"manualbot/qa"
)

// Slack's limits that shape an answer (https://docs.slack.dev/reference/block-kit/blocks/section-block).
const (
	// maxSectionText is the most characters a section block's text may hold.
	maxSectionText = 3000
	// maxBlocks is the most blocks one message may hold.
	maxBlocks = 50
)

// Action ids of the feedback buttons; their value is the answer's id.
const (
	actionHelpful    = "feedback_helpful"
	actionNotHelpful = "feedback_not_helpful"
	feedbackBlockID  = "feedback"
)

// placeholderText is posted at once so the asker sees the question was taken.
const placeholderText = "Looking in the manuals…"

// escapeText makes text safe for Slack's mrkdwn: &, < and > are control characters there
// (a model writing "<@U123>" or "<!channel>" must not ping anyone).
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// unescapeText undoes escapeText (and Slack's own escaping of message text).
func unescapeText(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// splitText cuts s into pieces of at most max bytes (so at most max characters), at the
// last paragraph break, else line break, else space before the limit; a single word
// longer than max is cut at a character boundary outside any &entity;.
func splitText(s string, max int) []string {
	var parts []string
	s = strings.TrimSpace(s)
	for len(s) > max {
		cut := bestCut(s, max)
		part := strings.TrimRight(s[:cut], " \n")
		if part != "" {
			parts = append(parts, part)
		}
		s = strings.TrimLeft(s[cut:], " \n")
	}
	if s != "" {
		parts = append(parts, s)
	}
	return parts
}

// fence opens and closes a code block in mrkdwn.
const fence = "```"

// balanceFences closes a code block that a split left open at the end of a part and
// reopens it at the start of the next, so each message renders on its own. Parts must
// leave room for the added fence.
func balanceFences(parts []string) []string {
	open := false
	for i := range parts {
		if open {
			parts[i] = fence + "\n" + parts[i]
		}
		if strings.Count(parts[i], fence)%2 == 1 {
			parts[i] += "\n" + fence
			open = true
		} else {
			open = false
		}
	}
	return parts
}

func bestCut(s string, max int) int {
	head := s[:max]
	for _, sep := range []string{"\n\n", "\n", " "} {
		// A cut in the first third would make many tiny messages; prefer a harder cut.
		if i := strings.LastIndex(head, sep); i > max/3 {
			return i + len(sep)
		}
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if amp := strings.LastIndexByte(s[:cut], '&'); amp >= 0 && cut-amp < len("&amp;") && !strings.Contains(s[amp:cut], ";") {
		cut = amp
	}
	if cut == 0 {
		cut = max
	}
	return cut
}

// truncateText shortens s to at most max bytes for a streaming preview.
func truncateText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const more = " …"
	return s[:bestCut(s, max-len(more))] + more
}

// answerMessages renders a finished answer as one or more messages, each a list of blocks
// and the plain text Slack shows in notifications and returns in conversations.replies.
// The last message carries the sources, a context line and the feedback buttons.
func answerMessages(ans *qa.Answer, feedbackID string) []renderedMessage {
	text := strings.TrimSpace(ans.Text)
	if text == "" {
		text = "(no answer)"
	}
	chunks := balanceFences(splitText(toMrkdwn(escapeText(text)), maxSectionText-len(fence)-1))
	msgs := make([]renderedMessage, 0, len(chunks))
	for _, c := range chunks {
		msgs = append(msgs, renderedMessage{
			Text:   c,
			Blocks: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, c, false, false), nil, nil)},
		})
	}
	tail := answerTail(ans, feedbackID)
	last := &msgs[len(msgs)-1]
	if len(last.Blocks)+len(tail) > maxBlocks {
		msgs = append(msgs, renderedMessage{Text: "Sources"})
		last = &msgs[len(msgs)-1]
	}
	last.Blocks = append(last.Blocks, tail...)
	return msgs
}

// answerTail is what follows an answer's text: its sources, the uncited warning, how it
// was made, and the feedback buttons.
func answerTail(ans *qa.Answer, feedbackID string) []slack.Block {
	tail := sourcesBlocks(ans.Citations)
	if uncited(ans) {
		tail = append(tail, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, uncitedText, false, false)))
	}
	if ctx := contextLine(ans); ctx != "" {
		tail = append(tail, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, ctx, false, false)))
	}
	return append(tail, feedbackBlock(feedbackID))
}

// renderedMessage is one Slack message's content.
type renderedMessage struct {
	Text   string
	Blocks []slack.Block
}

// sourcesBlocks lists citations as "[n] Title — Section (p. N)", linking the title when
// the manual has a web address, in as many section blocks as the text limit needs.
func sourcesBlocks(cites []qa.Citation) []slack.Block {
	if len(cites) == 0 {
		return nil
	}
	lines := make([]string, 0, len(cites)+1)
	lines = append(lines, "*Sources*")
	for _, c := range cites {
		lines = append(lines, citationLine(c))
	}
	var blocks []slack.Block
	for _, part := range splitText(strings.Join(lines, "\n"), maxSectionText) {
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, part, false, false), nil, nil))
		if len(blocks) == maxBlocks-3 {
			break
		}
	}
	return blocks
}

func citationLine(c qa.Citation) string {
	title := c.Title
	if title == "" {
		title = c.DocID
	}
	title = escapeText(title)
	if link := safeLink(c.URL); link != "" {
		// In a <url|text> link, | and > would end the text early.
		title = fmt.Sprintf("<%s|%s>", link, strings.ReplaceAll(title, "|", "¦"))
	}
	line := fmt.Sprintf("[%d] %s", c.N, title)
	if sec := qa.SectionBelowTitle(c.Title, c.Section); sec != "" {
		line += " — " + escapeText(sec)
	}
	if c.Page > 0 {
		line += fmt.Sprintf(" (p. %d)", c.Page)
	}
	return line
}

// safeLink returns u fit for a Slack link, or "" when it is not an http(s) URL: a
// manual's metadata must not smuggle other schemes or mrkdwn into the message.
func safeLink(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	s := p.String()
	return strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(s)
}

// contextLine says how the answer was made: the adapters, or that generation is off.
func contextLine(ans *qa.Answer) string {
	var parts []string
	switch {
	case ans.RetrievalOnly:
		parts = append(parts, "retrieval only (no model configured)")
	case ans.Composition != nil && ans.Composition.Path != "":
		parts = append(parts, "composition: "+escapeText(ans.Composition.Name)+" ("+escapeText(strings.Join(ans.Adapters, " + "))+")")
	case len(ans.Adapters) > 0:
		parts = append(parts, "adapters: "+escapeText(strings.Join(ans.Adapters, " + ")))
	}
	if t := ans.Timings.Total; t > 0 {
		parts = append(parts, fmt.Sprintf("%.1f s", t.Seconds()))
	}
	return strings.Join(parts, " · ")
}

// tallyBlock is the feedback buttons with the votes so far on their labels.
func tallyBlock(id string, up, down int) slack.Block {
	upText, downText := ":+1: Helpful", ":-1: Not helpful"
	if up > 0 {
		upText += fmt.Sprintf(" · %d", up)
	}
	if down > 0 {
		downText += fmt.Sprintf(" · %d", down)
	}
	upB := slack.NewButtonBlockElement(actionHelpful, id, slack.NewTextBlockObject(slack.PlainTextType, upText, true, false))
	downB := slack.NewButtonBlockElement(actionNotHelpful, id, slack.NewTextBlockObject(slack.PlainTextType, downText, true, false))
	return slack.NewActionBlock(feedbackBlockID, upB, downB)
}

func feedbackBlock(id string) slack.Block {
	up := slack.NewButtonBlockElement(actionHelpful, id, slack.NewTextBlockObject(slack.PlainTextType, ":+1: Helpful", true, false))
	down := slack.NewButtonBlockElement(actionNotHelpful, id, slack.NewTextBlockObject(slack.PlainTextType, ":-1: Not helpful", true, false))
	return slack.NewActionBlock(feedbackBlockID, up, down)
}

// uncitedText marks a generated answer that cites no passage.
const uncitedText = ":warning: No sources cited — this answer may not come from the manuals."

// declinedText replaces an uncited answer when slack.uncited is "decline".
const declinedText = "I couldn't find this in the manuals, so I won't guess. Try rephrasing the question, or ask an admin to add the manual that covers it."

// uncited reports whether ans is a generated answer that cites no passage. "Nothing
// found", a declined answer and retrieval-only answers are not: the first two claim
// nothing, the last is passages.
func uncited(ans *qa.Answer) bool {
	text := strings.TrimSpace(ans.Text)
	return len(ans.Citations) == 0 && !ans.RetrievalOnly && text != qa.NothingFound && text != declinedText
}

// previewMessage is the streaming state of an answer: the text so far, without its not
// yet validated citation markers, cut to fit.
func previewMessage(partial string) renderedMessage {
	text := truncateText(toMrkdwn(escapeText(strings.TrimSpace(stripMarkers(partial)))), maxSectionText)
	if text == "" {
		text = placeholderText
	}
	return renderedMessage{
		Text:   text,
		Blocks: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)},
	}
}
