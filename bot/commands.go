package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// command is a parsed admin command: its name and its words after the name.
type command struct {
	Name string
	Args []string
}

// parseMentionCommand tells an admin command from a question in a mention or DM. Only an
// exact command shape counts ("status" alone, "use" with key=value words, "ingest" alone
// or with a file), so "status light blinks red, why?" stays a question.
func parseMentionCommand(text string, hasFiles bool) (command, bool) {
	words := strings.Fields(text)
	if len(words) == 0 {
		return command{}, false
	}
	cmd := command{Name: strings.ToLower(words[0]), Args: words[1:]}
	switch cmd.Name {
	case "help", "adapters", "status", "reindex":
		return cmd, len(cmd.Args) == 0
	case "use":
		if len(cmd.Args) == 0 {
			return cmd, false
		}
		for _, a := range cmd.Args {
			if !strings.Contains(a, "=") {
				return cmd, false
			}
		}
		return cmd, true
	case "ingest":
		// `ingest [product=P]` with the manual attached (other words are then a note), or
		// alone to ask how.
		if hasFiles {
			return cmd, true
		}
		for _, a := range cmd.Args {
			if !strings.HasPrefix(strings.ToLower(a), "product=") {
				return cmd, false
			}
		}
		return cmd, true
	}
	return cmd, false
}

// parseSlashCommand reads `/manualbot TEXT`: everything there is a command.
func parseSlashCommand(text string) command {
	words := strings.Fields(text)
	if len(words) == 0 {
		return command{Name: "help"}
	}
	return command{Name: strings.ToLower(words[0]), Args: words[1:]}
}

const helpText = "*Ask me about the manuals*: mention me in a channel (`@manualbot how do I reset the pump?`) " +
	"or send me a direct message. I answer in a thread with numbered sources; reply in the thread to follow up.\n" +
	"`/manualbot ask QUESTION` answers privately: only you see it.\n" +
	"*Admin commands* (as `/manualbot …` or by mentioning me):\n" +
	"• `adapters`: list the LoRA adapters\n" +
	"• `use domain=NAME[,NAME] qa=NAME [method=cat] [weights=0.7,0.3]`: merge adapters and swap them in live\n" +
	"• `use composition=NAME`: swap in a saved composition (learned CAT weights) live\n" +
	"• `status`: model, adapters, index size, uptime\n" +
	"• `ingest [product=NAME]`: share a manual (or a .zip of manuals) with me with the word `ingest`; in a channel tied to a product it is filed under that product\n" +
	"• `reindex`: rebuild the index from the configured sources\n" +
	"• `help`: this message"

// runCommand runs cmd for user and returns the reply. Admin commands are refused, with
// no effect, to anyone who is not an admin.
func (b *Bot) runCommand(ctx context.Context, user, channel string, cmd command, files []slack.File) string {
	switch cmd.Name {
	case "help":
		return helpText
	case "adapters", "use", "status", "ingest", "reindex":
	default:
		return fmt.Sprintf("I don't know the command `%s`.\n%s", escapeText(cmd.Name), helpText)
	}
	ok, err := b.admins.isAdmin(ctx, user)
	if err != nil {
		b.log.Warn("admin check incomplete", "user", user, "err", err)
	}
	if !ok {
		b.metrics.errors.WithLabelValues("admin_refused").Inc()
		b.log.Info("admin command refused", "user", user, "command", cmd.Name)
		return fmt.Sprintf("Sorry, only manualbot admins can run `%s`. You can still ask me anything about the manuals.", cmd.Name)
	}
	b.log.Info("admin command", "user", user, "command", cmd.Name, "args", cmd.Args)
	reply, err := b.runAdmin(ctx, channel, cmd, files)
	if err != nil {
		b.metrics.errors.WithLabelValues("admin").Inc()
		b.log.Error("admin command failed", "user", user, "command", cmd.Name, "err", err)
		return fmt.Sprintf(":warning: `%s` failed: %s", cmd.Name, escapeText(err.Error()))
	}
	return reply
}

func (b *Bot) runAdmin(ctx context.Context, channel string, cmd command, files []slack.File) (string, error) {
	switch cmd.Name {
	case "adapters":
		list, err := b.admin.Adapters(ctx)
		if err != nil {
			return "", err
		}
		return formatAdapters(list), nil
	case "use":
		req, err := parseUse(cmd.Args)
		if err != nil {
			return "", err
		}
		if err := b.admin.Use(ctx, req); err != nil {
			return "", err
		}
		// The adapter gauge follows the next answer, which is when the swap takes effect.
		return fmt.Sprintf(":white_check_mark: Now answering with %s. Answers already being written finish on the previous adapters.", escapeText(describeUse(req))), nil
	case "status":
		st, err := b.admin.Status(ctx)
		if err != nil {
			return "", err
		}
		return b.formatStatus(st), nil
	case "ingest":
		product := b.opts.ChannelProducts[channel]
		for _, a := range cmd.Args {
			if k, v, ok := strings.Cut(a, "="); ok && strings.EqualFold(k, "product") {
				product = strings.TrimSpace(v)
			} else if ok {
				return "", fmt.Errorf("unknown setting %q (use product=NAME)", k)
			}
		}
		return b.ingestFiles(ctx, files, product)
	case "reindex":
		summary, err := b.admin.Reindex(ctx)
		if err != nil {
			return "", err
		}
		return ":white_check_mark: Reindexed: " + escapeText(summary), nil
	}
	return "", fmt.Errorf("unknown command %q", cmd.Name)
}

// parseUse reads `domain=A,B qa=Q method=cat weights=0.7,0.3`.
func parseUse(args []string) (UseRequest, error) {
	req := UseRequest{Method: "cat"}
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		switch strings.ToLower(k) {
		case "domain":
			for _, d := range strings.Split(v, ",") {
				if d = strings.TrimSpace(d); d != "" {
					req.Domain = append(req.Domain, d)
				}
			}
		case "qa":
			req.QA = strings.TrimSpace(v)
		case "composition":
			req.Composition = strings.TrimSpace(v)
		case "method":
			req.Method = strings.ToLower(strings.TrimSpace(v))
		case "weights":
			for _, w := range strings.Split(v, ",") {
				f, err := strconv.ParseFloat(strings.TrimSpace(w), 64)
				if err != nil {
					return req, fmt.Errorf("weights: %q is not a number", w)
				}
				req.Weights = append(req.Weights, f)
			}
		default:
			return req, fmt.Errorf("unknown setting %q (use composition=, or domain=, qa=, method=, weights=)", k)
		}
	}
	if req.Composition != "" {
		if len(req.Domain) > 0 || req.QA != "" || len(req.Weights) > 0 {
			return req, errors.New("composition= carries its own adapters and weights: give it alone")
		}
		return req, nil
	}
	if len(req.Domain) == 0 && req.QA == "" {
		return req, errors.New("name a composition=NAME, or at least one adapter: domain=NAME and/or qa=NAME")
	}
	return req, nil
}

func describeUse(r UseRequest) string {
	if r.Composition != "" {
		return "composition=" + r.Composition
	}
	var parts []string
	if len(r.Domain) > 0 {
		parts = append(parts, "domain="+strings.Join(r.Domain, ","))
	}
	if r.QA != "" {
		parts = append(parts, "qa="+r.QA)
	}
	parts = append(parts, "method="+r.Method)
	if len(r.Weights) > 0 {
		ws := make([]string, len(r.Weights))
		for i, w := range r.Weights {
			ws[i] = strconv.FormatFloat(w, 'g', -1, 64)
		}
		parts = append(parts, "weights="+strings.Join(ws, ","))
	}
	return strings.Join(parts, " ")
}

func formatAdapters(list []AdapterInfo) string {
	if len(list) == 0 {
		return "No adapters found (check `adapters.dirs` in the config)."
	}
	var sb strings.Builder
	sb.WriteString("*Adapters*")
	for _, a := range list {
		mark := "•"
		if a.InUse {
			mark = ":large_green_circle:"
		}
		fmt.Fprintf(&sb, "\n%s `%s` (%s", mark, escapeText(a.Name), escapeText(a.Kind))
		if a.Rank > 0 {
			fmt.Fprintf(&sb, ", r=%d", a.Rank)
		}
		sb.WriteString(")")
		if a.InUse {
			sb.WriteString(" *in use*")
		}
		if a.Description != "" {
			sb.WriteString(": " + escapeText(a.Description))
		}
	}
	return sb.String()
}

func (b *Bot) formatStatus(st Status) string {
	model := st.Model
	if model == "" {
		model = "none (retrieval only)"
	}
	adapters := "none"
	if len(st.Adapters) > 0 {
		adapters = strings.Join(st.Adapters, " + ")
		if st.Method != "" {
			adapters += " (" + st.Method + ")"
		}
	}
	return fmt.Sprintf("*Status*\n• model: %s\n• adapters: %s\n• index: %d documents, %d chunks\n• pipeline uptime: %s\n• bot uptime: %s",
		escapeText(model), escapeText(adapters), st.IndexDocs, st.IndexChunks,
		st.Uptime.Round(time.Second), time.Since(b.started).Round(time.Second))
}
