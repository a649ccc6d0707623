package transfer

import "testing"

func TestParseLocation(t *testing.T) {
	cases := []struct {
		arg  string
		want Location
	}{
		{"m1:/tmp/x", Location{Machine: "m1", Path: "/tmp/x"}},
		{"m1:a file.txt", Location{Machine: "m1", Path: "a file.txt"}},
		{"m1:", Location{Machine: "m1", Path: ""}},
		{"C:", Location{Machine: "C", Path: ""}},
		{"C:x", Location{Machine: "C", Path: "x"}},
		{"/tmp/x", Location{Path: "/tmp/x"}},
		{"a file.txt", Location{Path: "a file.txt"}},
		{`C:\Users\x`, Location{Path: `C:\Users\x`}},
		{"C:/Users/x", Location{Path: "C:/Users/x"}},
		{"d:/x", Location{Path: "d:/x"}},
		{"./a:b", Location{Path: "./a:b"}},
		{`dir\a:b`, Location{Path: `dir\a:b`}},
		{":x", Location{Path: ":x"}},
	}
	for _, c := range cases {
		if got := ParseLocation(c.arg); got != c.want {
			t.Errorf("ParseLocation(%q) = %+v, want %+v", c.arg, got, c.want)
		}
	}
}
