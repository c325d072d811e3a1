package qa

import "testing"

func TestSectionBelowTitle(t *testing.T) {
	tests := []struct{ title, section, want string }{
		{"mod_rewrite", "mod_rewrite > Forcing HTTPS", "Forcing HTTPS"},
		{"Redirecting and Remapping", "redirecting and remapping > A > B", "A > B"},
		{"20.3. Connections", "20.3. Connections", ""},
		{"bash", "4 Shell Builtin Commands > 4.1 Bourne Shell Builtins", "4 Shell Builtin Commands > 4.1 Bourne Shell Builtins"},
		{"", "A > B", "A > B"},
		{"Pump", "", ""},
		{"Pump", "Pumping > Pump", "Pumping > Pump"}, // only a first heading equal to the title goes
	}
	for _, tt := range tests {
		if got := SectionBelowTitle(tt.title, tt.section); got != tt.want {
			t.Errorf("SectionBelowTitle(%q, %q) = %q, want %q", tt.title, tt.section, got, tt.want)
		}
	}
	p := Passage{Title: "mod_alias", Section: "mod_alias > Redirect Directive", Page: 3}
	if got, want := p.Source(), "mod_alias — Redirect Directive (p. 3)"; got != want {
		t.Errorf("Source() = %q, want %q", got, want)
	}
}
