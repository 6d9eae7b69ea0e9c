"""Small bash scripts run inside sandboxes (Debian's essential packages are all they may assume)."""

from __future__ import annotations

__all__ = [
    "BASELINE_SCRIPT",
    "DIFF_SCRIPT",
    "KILL_USER_SCRIPT",
    "OOM_COUNT_SCRIPT",
    "RESET_SCRIPT",
    "SECTION",
    "STATE_DIR",
]

STATE_DIR = "/run/sweagent"
"""Root-only directory inside each container holding the reset baseline."""
SECTION = b"\0--sweagent-section--\0"
"""Separates the NUL-separated lists a script prints."""
_SECTION = r"printf '\0--sweagent-section--\0'"

# As root: print how many processes of uid $1 exist, then kill them all at once. `kill -9 -1` by
# that uid is atomic with respect to fork (the kernel holds the task list while it signals), so a
# fork bomb cannot outrun it the way a loop over /proc can be outrun.
KILL_USER_SCRIPT = r"""
uid=$1; n=0
for status in /proc/[0-9]*/status; do
  while read -r key real _; do
    if [ "$key" = "Uid:" ]; then [ "$real" = "$uid" ] && n=$((n + 1)); break; fi
  done < "$status" 2>/dev/null
done
if [ "$n" -gt 0 ]; then
  setpriv --reuid="$uid" --regid="$uid" --clear-groups bash -c 'kill -9 -1' 2>/dev/null
fi
echo "$n"
"""

# As root, in a throw-away container: the roots the sandbox user (uid 1000) can write below (paths
# it owns, world-writable directories, /dev/shm), every path below them, and directory modes.
BASELINE_SCRIPT = rf"""
set -eu
export LC_ALL=C
mapfile -d '' -t roots < <(
  {{ find / -xdev \( -path /proc -o -path /sys -o -path {STATE_DIR} \) -prune -o \
      \( -user 1000 -o \( -type d -perm -0002 \) \) -print0 -prune; printf '/dev/shm\0'; }} | sort -zu)
printf '%s\0' "${{roots[@]}}"
{_SECTION}
find "${{roots[@]}}" -xdev -print0 2>/dev/null | sort -z
{_SECTION}
find "${{roots[@]}}" -xdev -type d -printf '%m %p\0' 2>/dev/null
"""

# As root: kill leftovers of uid $1, delete what the baseline lacks, then print the deleted paths and
# the (type, mode, path) of what changed since $2 (seconds since the epoch). First line: processes killed.
RESET_SCRIPT = (
    KILL_USER_SCRIPT
    + rf"""
export LC_ALL=C
since=$2; state={STATE_DIR}
mapfile -d '' -t roots < "$state/roots"
find "${{roots[@]}}" -xdev -print0 2>/dev/null | sort -z > "$state/current"
comm -z -13 "$state/baseline" "$state/current" | xargs -0 -r rm -rf --
{_SECTION}
comm -z -23 "$state/baseline" "$state/current"
{_SECTION}
find "${{roots[@]}}" -xdev -newerct "@$since" -printf '%y%m %p\0' 2>/dev/null
exit 0
"""
)

# As root: the container's count of out-of-memory kills (cgroup v1 or v2).
OOM_COUNT_SCRIPT = r"""
for f in /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events; do
  if [ -r "$f" ]; then
    while read -r key value; do [ "$key" = oom_kill ] && { echo "$value"; exit 0; }; done < "$f"
  fi
done
echo 0
"""

# As the sandbox user: the diff of the work tree against HEAD, untracked files included. New files
# enter a throw-away copy of the index as intent-to-add, so neither the repository's index nor its
# objects are touched (`git add` would rewrite the mtime of every object it finds already stored).
DIFF_SCRIPT = r"""
set -e
git_dir=$(git rev-parse --absolute-git-dir)
index=$(mktemp)
trap 'rm -f "$index"' EXIT
cp "$git_dir/index" "$index" 2>/dev/null || rm -f "$index"
export GIT_INDEX_FILE=$index
git ls-files -z --others --exclude-standard | xargs -0 -r git add --intent-to-add --
git diff --binary HEAD
"""
