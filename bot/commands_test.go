package bot

import (
	"reflect"
	"testing"
)

func TestParseMentionCommand(t *testing.T) {
	cases := []struct {
		text  string
		files bool
		isCmd bool
		name  string
	}{
		{"status", false, true, "status"},
		{"Status", false, true, "status"},
		{"status light blinks red, why?", false, false, ""},
		{"adapters", false, true, "adapters"},
		{"use domain=pumps qa=qa-v1", false, true, "use"},
		{"use the blue cable?", false, false, ""},
		{"use", false, false, ""},
		{"ingest", false, true, "ingest"},
		{"ingest this manual please", true, true, "ingest"},
		{"ingest this manual please", false, false, ""},
		{"reindex", false, true, "reindex"},
		{"help", false, true, "help"},
		{"how do I reset the pump?", false, false, ""},
		{"", false, false, ""},
	}
	for _, c := range cases {
		cmd, ok := parseMentionCommand(c.text, c.files)
		if ok != c.isCmd || (ok && cmd.Name != c.name) {
			t.Errorf("parseMentionCommand(%q, %v) = %+v, %v", c.text, c.files, cmd, ok)
		}
	}
}

func TestParseUse(t *testing.T) {
	cases := []struct {
		args    []string
		want    UseRequest
		wantErr bool
	}{
		{[]string{"domain=a,b", "qa=q"}, UseRequest{Domain: []string{"a", "b"}, QA: "q", Method: "cat"}, false},
		{[]string{"domain=a", "qa=q", "method=TIES", "weights=0.7,0.3"}, UseRequest{Domain: []string{"a"}, QA: "q", Method: "ties", Weights: []float64{0.7, 0.3}}, false},
		{[]string{"qa=q"}, UseRequest{QA: "q", Method: "cat"}, false},
		{[]string{"weights=0.5"}, UseRequest{}, true},
		{[]string{"domain=a", "weights=x"}, UseRequest{}, true},
		{[]string{"domain=a", "colour=red"}, UseRequest{}, true},
	}
	for _, c := range cases {
		got, err := parseUse(c.args)
		if (err != nil) != c.wantErr {
			t.Errorf("parseUse(%q) error %v", c.args, err)
			continue
		}
		if !c.wantErr && !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseUse(%q) = %+v, want %+v", c.args, got, c.want)
		}
	}
}
