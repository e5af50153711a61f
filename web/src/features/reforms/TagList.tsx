// A reform's tags (kintone, AI, ペーパーレス…) as the list and the detail page show them.

/** The tags as a list of chips; nothing when there are none. */
export function TagList({ tags }: { tags: readonly string[] }) {
  if (tags.length === 0) return null;
  return (
    <ul className="rf-tag-list">
      {tags.map((tag) => (
        <li key={tag} className="tag tag--subtle">
          {tag}
        </li>
      ))}
    </ul>
  );
}
