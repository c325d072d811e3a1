package configs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// EnvPrefix prefixes every environment variable: data_dir is MANUALBOT_DATA_DIR,
// slack.bot_token is MANUALBOT_SLACK_BOT_TOKEN.
const EnvPrefix = "MANUALBOT"

// DefaultFile is read when no --config is given and it exists in the working directory.
const DefaultFile = "manualbot.yaml"

// Load builds the config with precedence flag > env > file > default. file may be empty;
// flags maps config keys ("retrieval.k") to the command-line flags that set them, and only
// flags the user actually set override anything.
func Load(file string, flags map[string]*pflag.Flag) (*Config, error) {
	v := viper.New()
	for k, val := range defaults() {
		v.SetDefault(k, val)
	}
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if file == "" {
		if _, err := os.Stat(DefaultFile); err == nil {
			file = DefaultFile
		}
	}
	if file != "" {
		if err := checkConfigFile(file); err != nil {
			return nil, err
		}
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("read config %s: %w", file, err)
		}
		if err := checkKeys(v, file); err != nil {
			return nil, err
		}
	}
	for key, f := range flags {
		if f != nil && f.Changed {
			if err := v.BindPFlag(key, f); err != nil {
				return nil, fmt.Errorf("bind flag %s: %w", f.Name, err)
			}
		}
	}
	var c Config
	err := v.Unmarshal(&c, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		mapstructure.StringToTimeDurationHookFunc(),
		commaListHook,
	)))
	if err != nil {
		return nil, decodeError(v, err)
	}
	if err := c.readSecretFiles(); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// checkConfigFile catches what viper reports as 'Unsupported Config Type ""': a folder
// given as --config, or a file whose extension names no format viper reads.
func checkConfigFile(file string) error {
	fi, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("read config %s: %w", file, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("read config %s: is a folder; give the file, e.g. %s", file, filepath.Join(file, DefaultFile))
	}
	if slices.Contains(viper.SupportedExts, strings.ToLower(strings.TrimPrefix(filepath.Ext(file), "."))) {
		return nil
	}
	return fmt.Errorf("read config %s: unknown format: name it .yaml, .yml, .json or .toml", file)
}

// IndexPath is where the index lives: index.path, or DATA_DIR/index.
func (c *Config) IndexPath() string {
	if c.Index.Path != "" {
		return c.Index.Path
	}
	return filepath.Join(c.DataDir, "index")
}

// readSecretFiles lets secrets come from files (Docker/Kubernetes secrets) instead of
// the environment, where they leak into process listings and crash dumps.
func (c *Config) readSecretFiles() error {
	pairs := []struct {
		file string
		dst  *string
	}{
		{c.Slack.BotTokenFile, &c.Slack.BotToken},
		{c.Slack.AppTokenFile, &c.Slack.AppToken},
		{c.Slack.SigningSecretFile, &c.Slack.SigningSecret},
		{c.Model.APIKeyFile, &c.Model.APIKey},
	}
	for _, p := range pairs {
		if p.file == "" {
			continue
		}
		b, err := os.ReadFile(p.file)
		if err != nil {
			return fmt.Errorf("read secret file: %w", err)
		}
		*p.dst = strings.TrimSpace(string(b))
	}
	return nil
}

// commaListHook splits "a,b" from an environment variable into a list of any element
// type (mapstructure's own hook only handles []string, so weights=0.7,0.3 would fail).
func commaListHook(from, to reflect.Type, data any) (any, error) {
	if from.Kind() != reflect.String || to.Kind() != reflect.Slice {
		return data, nil
	}
	s := strings.TrimSpace(data.(string))
	if s == "" {
		return []string{}, nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts, nil
}

// errInvalid marks a validation failure so callers can tell bad config from I/O errors.
var errInvalid = errors.New("invalid config")
