package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

func testReport(t *testing.T) *Report {
	t.Helper()
	rep, err := Run(context.Background(), []Method{oracle, halfRight}, testQuestions(),
		Options{Modes: []Mode{ClosedBook, OpenBook}, Resamples: 100})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, testReport(t)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("want header, 4 rows and a note:\n%s", b.String())
	}
	// Right-aligned columns: every table row has the same width.
	for _, l := range lines[1:5] {
		if len(l) != len(lines[0]) {
			t.Errorf("row not aligned with header:\n%q\n%q", lines[0], l)
		}
	}
	for _, want := range []string{"recall@5", "F1 95% CI", "oracle", "closed-book", "100.0", "10.0ms", "55.6"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	// Closed-book oracle neither cites nor retrieves: shown as "-".
	if !strings.Contains(lines[1], " - ") {
		t.Errorf("n/a rates not shown as -: %q", lines[1])
	}
}

func TestWriteJSON(t *testing.T) {
	rep := testReport(t)
	for _, with := range []bool{false, true} {
		var b bytes.Buffer
		if err := WriteJSON(&b, rep, with); err != nil {
			t.Fatal(err)
		}
		var back Report
		if err := json.Unmarshal(b.Bytes(), &back); err != nil {
			t.Fatal(err)
		}
		if len(back.Results) != 4 || back.Results[2].CI != rep.Results[2].CI || back.Main != MetricF1 {
			t.Errorf("round trip lost results: %+v", back.Results)
		}
		if with != (len(back.Records) == 12) {
			t.Errorf("withRecords=%v: %d records", with, len(back.Records))
		}
		if !strings.Contains(b.String(), `"ci95"`) || !strings.Contains(b.String(), `"mean_latency_ns"`) {
			t.Error("JSON lacks documented keys")
		}
	}
}

func TestWriteSVG(t *testing.T) {
	rep := testReport(t)
	rep.Results[0].Method = `a<b&"c"`
	var b bytes.Buffer
	if err := WriteSVG(&b, rep); err != nil {
		t.Fatal(err)
	}
	// Well-formed XML; count the bars (rects with a <title>) and whiskers.
	dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	bars, paths, root := 0, 0, ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, b.String())
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			switch se.Name.Local {
			case "title":
				bars++
			case "path":
				paths++
			}
		}
	}
	if root != "svg" || bars != 4 || paths != 4 {
		t.Errorf("root %q, %d bars, %d whiskers; want svg, 4, 4", root, bars, paths)
	}
	if !strings.Contains(b.String(), "a&lt;b&amp;") {
		t.Error("method name not escaped")
	}
}
