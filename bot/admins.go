package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// adminSet decides who may run admin commands: users listed by id, and members of
// user groups (S…) listed by id, resolved with usergroups.users.list and cached for a
// while so that a change in the group takes effect without a restart.
type adminSet struct {
	users   map[string]bool
	groups  []string
	members func(ctx context.Context, group string) ([]string, error)
	ttl     time.Duration
	now     func() time.Time

	mu    sync.Mutex
	cache map[string]groupMembers
}

type groupMembers struct {
	users map[string]bool
	at    time.Time
}

func newAdminSet(ids []string, members func(context.Context, string) ([]string, error), ttl time.Duration, now func() time.Time) *adminSet {
	s := &adminSet{users: map[string]bool{}, members: members, ttl: ttl, now: now, cache: map[string]groupMembers{}}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		switch {
		case id == "":
		case strings.HasPrefix(id, "S"):
			s.groups = append(s.groups, id)
		default:
			s.users[id] = true
		}
	}
	return s
}

// isAdmin reports whether user may run admin commands. A group that cannot be resolved
// grants nothing (fail closed) and the error says why.
func (s *adminSet) isAdmin(ctx context.Context, user string) (bool, error) {
	if s.users[user] {
		return true, nil
	}
	var firstErr error
	for _, g := range s.groups {
		m, err := s.groupUsers(ctx, g)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if m[user] {
			return true, nil
		}
	}
	return false, firstErr
}

func (s *adminSet) groupUsers(ctx context.Context, group string) (map[string]bool, error) {
	s.mu.Lock()
	c, ok := s.cache[group]
	s.mu.Unlock()
	if ok && s.now().Sub(c.at) < s.ttl {
		return c.users, nil
	}
	ids, err := s.members(ctx, group)
	if err != nil {
		return nil, fmt.Errorf("resolve admin group %s: %w", group, err)
	}
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	s.mu.Lock()
	s.cache[group] = groupMembers{users: m, at: s.now()}
	s.mu.Unlock()
	return m, nil
}

// groupMembers lists a user group's members through the Web API.
func (b *Bot) groupMembers(ctx context.Context, group string) ([]string, error) {
	ids, err := b.api.GetUserGroupMembersContext(ctx, group)
	if err != nil {
		return nil, fmt.Errorf("usergroups.users.list: %w", err)
	}
	return slices.Clone(ids), nil
}
