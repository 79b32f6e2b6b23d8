package openstack

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/gophercloud/gophercloud/v2"
	gos "github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"

	"gopkg.in/yaml.v3"

	"github.com/runbook-dev/runbook/engine/module"
)

// AuthTypeTroveFake is the auth_type of a cloud that talks to a Trove API in
// Trove's own fake mode (see the package documentation).
const AuthTypeTroveFake = "trove-fake"

// Params names one connection: a cloud, and optionally a region and an
// interface (public, internal or admin) that override the cloud's own.
type Params struct {
	Cloud     string
	Region    string
	Interface string
}

func (p Params) key() string { return p.Cloud + "\x00" + p.Region + "\x00" + p.Interface }

// Cloud is an authenticated connection to one cloud, shared by every task of
// the process that names the same cloud, region and interface. It is safe for
// concurrent use.
type Cloud struct {
	// Name is the cloud's name in clouds.yaml, or "env" for OS_* variables.
	Name      string
	provider  *gophercloud.ProviderClient
	eo        gophercloud.EndpointOpts
	authType  string
	projectID string
	overrides map[string]string
}

// AuthType returns the cloud's auth_type ("" for the default, password).
func (c *Cloud) AuthType() string { return c.authType }

// Image returns a client for Glance v2.
func (c *Cloud) Image() (*gophercloud.ServiceClient, error) {
	if u, ok := c.override("image"); ok {
		sc := &gophercloud.ServiceClient{ProviderClient: c.provider, Endpoint: u, Type: "image"}
		sc.ResourceBase = u + "v2/"
		return sc, c.needsKeystone("image")
	}
	if err := c.needsKeystone("image"); err != nil {
		return nil, err
	}
	sc, err := gos.NewImageV2(c.provider, c.eo)
	if err != nil {
		return nil, fmt.Errorf("cloud %s: no image (Glance) endpoint in the catalog (region %q, interface %s): %w", c.Name, c.eo.Region, c.eo.Availability, err)
	}
	return sc, nil
}

// Database returns a client for Trove v1.0 (project-scoped URL).
func (c *Cloud) Database() (*gophercloud.ServiceClient, error) {
	if u, ok := c.override("database"); ok {
		if c.authType == AuthTypeTroveFake && !strings.Contains(u, "/"+c.projectID+"/") {
			u += c.projectID + "/"
		}
		return &gophercloud.ServiceClient{ProviderClient: c.provider, Endpoint: u, Type: "database"}, nil
	}
	if err := c.needsKeystone("database"); err != nil {
		return nil, err
	}
	sc, err := gos.NewDBV1(c.provider, c.eo)
	if err != nil {
		return nil, fmt.Errorf("cloud %s: no database (Trove) endpoint in the catalog (region %q, interface %s): %w", c.Name, c.eo.Region, c.eo.Availability, err)
	}
	return sc, nil
}

func (c *Cloud) needsKeystone(service string) error {
	if c.authType == AuthTypeTroveFake && service != "database" {
		return fmt.Errorf("cloud %s uses auth_type %s: only the database service is reachable through it, not %s", c.Name, AuthTypeTroveFake, service)
	}
	return nil
}

func (c *Cloud) override(service string) (string, bool) {
	u, ok := c.overrides[service]
	if !ok || u == "" {
		return "", false
	}
	u = strings.NewReplacer("$(project_id)s", c.projectID, "%(project_id)s", c.projectID,
		"$(tenant_id)s", c.projectID, "%(tenant_id)s", c.projectID).Replace(u)
	return gophercloud.NormalizeURL(u), true
}

// cache holds one connection per Params for the whole process.
var cache = &clientCache{entries: map[string]*cacheEntry{}}

type clientCache struct {
	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	mu    sync.Mutex // held while connecting, so concurrent tasks wait for one login
	cloud *Cloud
}

// Connect returns the process-wide connection for p, authenticating on first
// use. A failed login is not cached: the next task tries again.
func Connect(ctx context.Context, p Params) (*Cloud, error) {
	if p.Cloud == "" {
		p.Cloud = os.Getenv("OS_CLOUD")
	}
	cache.mu.Lock()
	e, ok := cache.entries[p.key()]
	if !ok {
		e = &cacheEntry{}
		cache.entries[p.key()] = e
	}
	cache.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cloud != nil {
		return e.cloud, nil
	}
	c, err := connect(ctx, p)
	if err != nil {
		return nil, err
	}
	e.cloud = c
	return c, nil
}

// Forget drops every cached connection (tests; a long-lived process after
// clouds.yaml changed).
func Forget() {
	cache.mu.Lock()
	cache.entries = map[string]*cacheEntry{}
	cache.mu.Unlock()
}

func connect(ctx context.Context, p Params) (*Cloud, error) {
	if p.Cloud == "" {
		if os.Getenv("OS_AUTH_URL") == "" {
			return nil, fmt.Errorf("no cloud named: set cloud = \"...\" in the task, the host var cloud, OS_CLOUD, or OS_AUTH_URL and the other OS_* variables")
		}
		return connectEnv(ctx, p)
	}
	path, searched := locateCloudsYAML()
	if path == "" {
		return nil, fmt.Errorf("cloud %s: no clouds.yaml found (searched %s)", p.Cloud, strings.Join(searched, ", "))
	}
	raw, err := readRawCloud(path, p.Cloud)
	if err != nil {
		return nil, err
	}
	if raw.AuthType == AuthTypeTroveFake {
		return connectTroveFake(p, path, raw)
	}
	opts := []clouds.ParseOption{clouds.WithCloudName(p.Cloud), clouds.WithLocations(path)}
	if p.Region != "" {
		opts = append(opts, clouds.WithRegion(p.Region))
	}
	if p.Interface != "" {
		opts = append(opts, clouds.WithEndpointType(p.Interface))
	}
	ao, eo, tlsConfig, err := clouds.Parse(opts...)
	if err != nil {
		return nil, fmt.Errorf("cloud %s (%s): %w", p.Cloud, path, err)
	}
	ao.AllowReauth = true
	pc, err := newProvider(ctx, ao, tlsConfig)
	if err != nil {
		return nil, authError(p.Cloud, ao.IdentityEndpoint, err)
	}
	return &Cloud{Name: p.Cloud, provider: pc, eo: eo, authType: raw.AuthType, projectID: tokenProject(pc), overrides: raw.Overrides}, nil
}

// envAuth maps openstackclient's OS_* variables to clouds.yaml auth keys,
// in order: a later variable wins (OS_PROJECT_* over the older OS_TENANT_*).
var envAuth = [][2]string{
	{"OS_AUTH_URL", "auth_url"}, {"OS_USERID", "user_id"}, {"OS_USER_ID", "user_id"}, {"OS_USERNAME", "username"},
	{"OS_PASSWORD", "password"}, {"OS_TOKEN", "token"},
	{"OS_TENANT_NAME", "project_name"}, {"OS_TENANT_ID", "project_id"},
	{"OS_PROJECT_NAME", "project_name"}, {"OS_PROJECT_ID", "project_id"},
	{"OS_USER_DOMAIN_NAME", "user_domain_name"}, {"OS_USER_DOMAIN_ID", "user_domain_id"},
	{"OS_PROJECT_DOMAIN_NAME", "project_domain_name"}, {"OS_PROJECT_DOMAIN_ID", "project_domain_id"},
	{"OS_DOMAIN_NAME", "domain_name"}, {"OS_DOMAIN_ID", "domain_id"},
	{"OS_APPLICATION_CREDENTIAL_ID", "application_credential_id"}, {"OS_APPLICATION_CREDENTIAL_NAME", "application_credential_name"},
	{"OS_APPLICATION_CREDENTIAL_SECRET", "application_credential_secret"}, {"OS_SYSTEM_SCOPE", "system_scope"},
}

// connectEnv reads the OS_* variables the way openstackclient does (its
// "envvars" cloud), through the same clouds.yaml parser.
func connectEnv(ctx context.Context, p Params) (*Cloud, error) {
	auth := map[string]string{}
	for _, kv := range envAuth {
		if v := os.Getenv(kv[0]); v != "" {
			auth[kv[1]] = v
		}
	}
	cloud := map[string]any{"auth": auth}
	for env, key := range map[string]string{"OS_REGION_NAME": "region_name", "OS_INTERFACE": "interface", "OS_CACERT": "cacert", "OS_AUTH_TYPE": "auth_type"} {
		if v := os.Getenv(env); v != "" {
			cloud[key] = v
		}
	}
	doc, err := yaml.Marshal(map[string]any{"clouds": map[string]any{"envvars": cloud}})
	if err != nil {
		return nil, err
	}
	opts := []clouds.ParseOption{clouds.WithCloudName("envvars"), clouds.WithCloudsYAML(bytes.NewReader(doc)), clouds.WithSecureYAML(strings.NewReader("clouds: {}\n"))}
	if p.Region != "" {
		opts = append(opts, clouds.WithRegion(p.Region))
	}
	if p.Interface != "" {
		opts = append(opts, clouds.WithEndpointType(p.Interface))
	}
	ao, eo, tlsConfig, err := clouds.Parse(opts...)
	if err != nil {
		return nil, fmt.Errorf("OS_* environment: %w", err)
	}
	ao.AllowReauth = true
	pc, err := newProvider(ctx, ao, tlsConfig)
	if err != nil {
		return nil, authError("env", ao.IdentityEndpoint, err)
	}
	return &Cloud{Name: "env", provider: pc, eo: eo, projectID: tokenProject(pc)}, nil
}

func connectTroveFake(p Params, path string, raw *rawCloud) (*Cloud, error) {
	if raw.ProjectID == "" {
		return nil, fmt.Errorf("cloud %s (%s): auth_type %s needs auth.project_id", p.Cloud, path, AuthTypeTroveFake)
	}
	if _, ok := raw.Overrides["database"]; !ok {
		return nil, fmt.Errorf("cloud %s (%s): auth_type %s needs database_endpoint_override", p.Cloud, path, AuthTypeTroveFake)
	}
	pc := &gophercloud.ProviderClient{HTTPClient: httpClient(nil)}
	pc.UseTokenLock()
	pc.SetToken(coalesce(raw.Token, raw.ProjectID))
	return &Cloud{Name: p.Cloud, provider: pc, authType: AuthTypeTroveFake, projectID: raw.ProjectID, overrides: raw.Overrides}, nil
}

func coalesce(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func newProvider(ctx context.Context, ao gophercloud.AuthOptions, tlsConfig *tls.Config) (*gophercloud.ProviderClient, error) {
	return config.NewProviderClient(ctx, ao, config.WithHTTPClient(httpClient(tlsConfig)))
}

// tokenProject returns the project id the token is scoped to, for
// $(project_id)s in endpoint overrides.
func tokenProject(pc *gophercloud.ProviderClient) string {
	if r, ok := pc.GetAuthResult().(tokens.CreateResult); ok {
		if p, err := r.ExtractProject(); err == nil && p != nil {
			return p.ID
		}
	}
	return ""
}

// ConnectFor resolves req's connection arguments (see ParamsFrom) and
// connects.
func ConnectFor(ctx context.Context, req *module.Request) (*Cloud, error) {
	p, err := ParamsFrom(req)
	if err != nil {
		return nil, err
	}
	return Connect(ctx, p)
}

// Compute returns a client for Nova v2.1 (what Trove runs its servers on).
func (c *Cloud) Compute() (*gophercloud.ServiceClient, error) {
	if u, ok := c.override("compute"); ok {
		return &gophercloud.ServiceClient{ProviderClient: c.provider, Endpoint: u, Type: "compute"}, c.needsKeystone("compute")
	}
	if err := c.needsKeystone("compute"); err != nil {
		return nil, err
	}
	sc, err := gos.NewComputeV2(c.provider, c.eo)
	if err != nil {
		return nil, fmt.Errorf("cloud %s: no compute (Nova) endpoint in the catalog (region %q, interface %s): %w", c.Name, c.eo.Region, c.eo.Availability, err)
	}
	return sc, nil
}
