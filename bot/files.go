package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/slack-go/slack"
)

// downloader fetches files shared with the bot. The bot token goes only to Slack's own
// hosts, derived from the API URL (slack.com/api → slack.com and files.slack.com), over
// the API URL's scheme, and redirects elsewhere are refused: a file object is data from
// a message, and its URL must not be able to collect the token.
type downloader struct {
	token  string
	scheme string
	hosts  map[string]bool
	max    int64
	client *http.Client
}

func newDownloader(apiURL, token string, max int64, base *http.Client) (*downloader, error) {
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("bot: slack.api_url %q is not a URL", apiURL)
	}
	d := &downloader{token: token, scheme: u.Scheme, max: max, hosts: map[string]bool{u.Host: true}}
	// An IP address (a test server, a proxy) has no files.<host> sibling.
	if h := u.Hostname(); net.ParseIP(h) == nil {
		files := "files." + h
		if p := u.Port(); p != "" {
			files += ":" + p
		}
		d.hosts[files] = true
	}
	c := *base
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		if !d.allowed(req.URL) {
			return fmt.Errorf("refusing redirect to %s: not a Slack host", req.URL.Host)
		}
		return nil
	}
	d.client = &c
	return d, nil
}

func (d *downloader) allowed(u *url.URL) bool {
	return u.Scheme == d.scheme && d.hosts[u.Host] && u.User == nil
}

// fetch downloads rawURL into a new file in dir and returns its path.
func (d *downloader) fetch(ctx context.Context, rawURL, dir, name string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("file URL: %w", err)
	}
	if !d.allowed(u) {
		return "", fmt.Errorf("refusing to send the bot token to %s: files are downloaded from the Slack API host only", u.Host)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("file request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+d.token)
	resp, err := d.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("download %s: %s", name, resp.Status)
	}
	// A sign-in page instead of the file means the token cannot read it (missing files:read).
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/html") && !strings.HasSuffix(strings.ToLower(name), ".html") && !strings.HasSuffix(strings.ToLower(name), ".htm") {
		return "", fmt.Errorf("download %s: Slack sent a web page instead of the file (does the app have files:read?)", name)
	}
	path := filepath.Join(dir, safeFileName(name))
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("temp file: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(resp.Body, d.max+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("download %s: %w", name, err)
	}
	if n > d.max {
		return "", fmt.Errorf("%s is larger than the %d MiB limit (ingest.max_file_bytes)", name, d.max>>20)
	}
	return path, nil
}

// safeFileName keeps a shared file's base name (its extension tells the reader the
// format) without letting it escape the temp folder.
func safeFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == ".." || name == "" {
		return "upload"
	}
	return name
}

// ingestFiles downloads each shared file and hands it to Admin.IngestFile under product;
// a zip archive is unpacked (within limits) and each manual in it ingested.
func (b *Bot) ingestFiles(ctx context.Context, files []slack.File, product string) (string, error) {
	if len(files) == 0 {
		return "Share the manual with me in the same message: attach the file and write `ingest` (mention me in a channel, or just send it in a DM).", nil
	}
	dir, err := os.MkdirTemp("", "manualbot-ingest-")
	if err != nil {
		return "", fmt.Errorf("temp folder: %w", err)
	}
	defer os.RemoveAll(dir)
	var lines []string
	for _, f := range files {
		summary, err := b.ingestOne(ctx, f, dir, product)
		if err != nil {
			b.metrics.errors.WithLabelValues("ingest").Inc()
			b.log.Error("ingest from slack failed", "file", f.Name, "err", err)
			lines = append(lines, fmt.Sprintf(":warning: %s: %s", escapeText(f.Name), escapeText(err.Error())))
			continue
		}
		lines = append(lines, fmt.Sprintf(":white_check_mark: %s: %s", escapeText(f.Name), escapeText(summary)))
	}
	return strings.Join(lines, "\n"), nil
}

func (b *Bot) ingestOne(ctx context.Context, f slack.File, dir, product string) (string, error) {
	// Events may carry only the file id (file_access "check_file_info"); ask for the rest.
	if f.URLPrivateDownload == "" && f.URLPrivate == "" || f.Name == "" {
		info, _, _, err := b.api.GetFileInfoContext(ctx, f.ID, 0, 0)
		if err != nil {
			return "", fmt.Errorf("files.info %s: %w", f.ID, err)
		}
		f = *info
	}
	if f.IsExternal {
		return "", errors.New("external files (Google Drive, …) are not supported: upload the file itself")
	}
	if f.Size > 0 && int64(f.Size) > b.opts.MaxFileBytes {
		return "", fmt.Errorf("larger than the %d MiB limit (ingest.max_file_bytes)", b.opts.MaxFileBytes>>20)
	}
	link := f.URLPrivateDownload
	if link == "" {
		link = f.URLPrivate
	}
	fileDir, err := os.MkdirTemp(dir, "file-")
	if err != nil {
		return "", fmt.Errorf("temp folder: %w", err)
	}
	path, err := b.files.fetch(ctx, link, fileDir, f.Name)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(filepath.Ext(f.Name), ".zip") {
		return b.admin.IngestFile(ctx, path, f.Name, product)
	}
	entries, err := unzipManuals(path, filepath.Join(fileDir, "unzipped"), b.opts.MaxFileBytes, 4*b.opts.MaxFileBytes)
	if err != nil {
		return "", err
	}
	var done []string
	var failed []string
	for _, e := range entries {
		if _, err := b.admin.IngestFile(ctx, e.Path, e.Name, product); err != nil {
			failed = append(failed, e.Name+": "+err.Error())
			continue
		}
		done = append(done, e.Name)
	}
	summary := fmt.Sprintf("%d of %d manuals in the archive ingested", len(done), len(entries))
	if product != "" {
		summary += " under product " + product
	}
	if len(failed) > 0 {
		summary += "; failed: " + strings.Join(failed, "; ")
	}
	if len(done) == 0 {
		return "", errors.New(summary)
	}
	return summary, nil
}
