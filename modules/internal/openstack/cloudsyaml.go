package openstack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// locateCloudsYAML returns the clouds.yaml that openstackclient would read:
// $OS_CLIENT_CONFIG_FILE, else ./clouds.yaml, ~/.config/openstack/clouds.yaml
// ($XDG_CONFIG_HOME honoured), /etc/openstack/clouds.yaml; the first that
// exists wins. It returns "" and the searched paths when none exists.
func locateCloudsYAML() (string, []string) {
	var locs []string
	if p := os.Getenv("OS_CLIENT_CONFIG_FILE"); p != "" {
		locs = []string{p}
	} else {
		if cwd, err := os.Getwd(); err == nil {
			locs = append(locs, filepath.Join(cwd, "clouds.yaml"))
		}
		cfg := os.Getenv("XDG_CONFIG_HOME")
		if cfg == "" {
			if home, err := os.UserHomeDir(); err == nil {
				cfg = filepath.Join(home, ".config")
			}
		}
		if cfg != "" {
			locs = append(locs, filepath.Join(cfg, "openstack", "clouds.yaml"))
		}
		locs = append(locs, "/etc/openstack/clouds.yaml")
	}
	for _, p := range locs {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, locs
		}
	}
	return "", locs
}

// rawCloud is what this package reads from a clouds.yaml entry itself, on top
// of what gophercloud's clouds package parses: the auth type and the endpoint
// overrides, which gophercloud's parser does not expose.
type rawCloud struct {
	AuthType  string
	ProjectID string
	Token     string // sensitive
	Overrides map[string]string
}

// readRawCloud reads cloud name from clouds.yaml at path, merged with the
// secure.yaml next to it.
func readRawCloud(path, name string) (*rawCloud, error) {
	entry, err := readEntry(path, name)
	if err != nil {
		return nil, err
	}
	if entry == nil {
		return nil, fmt.Errorf("cloud %q not found in %s", name, path)
	}
	secure, err := readEntry(filepath.Join(filepath.Dir(path), "secure.yaml"), name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	rc := &rawCloud{Overrides: map[string]string{}}
	for _, e := range []map[string]any{entry, secure} {
		if e == nil {
			continue
		}
		for k, v := range e {
			s, ok := v.(string)
			switch {
			case k == "auth_type" && ok:
				rc.AuthType = s
			case ok && len(k) > len("_endpoint_override") && k[len(k)-len("_endpoint_override"):] == "_endpoint_override":
				rc.Overrides[k[:len(k)-len("_endpoint_override")]] = s
			}
		}
		if auth, ok := e["auth"].(map[string]any); ok {
			if s, ok := auth["project_id"].(string); ok && s != "" {
				rc.ProjectID = s
			}
			if s, ok := auth["token"].(string); ok && s != "" {
				rc.Token = s
			}
		}
	}
	return rc, nil
}

func readEntry(path, name string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Clouds map[string]map[string]any `yaml:"clouds"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		// yaml errors quote lines; secure.yaml lines hold secrets.
		return nil, fmt.Errorf("%s is not valid YAML", path)
	}
	return doc.Clouds[name], nil
}
