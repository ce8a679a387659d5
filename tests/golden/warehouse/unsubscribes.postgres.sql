SELECT
  CASE
    WHEN t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.created >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(DISTINCT t.id) AS value
FROM hubspot.email_event AS t
INNER JOIN hubspot.email_event_status_change AS j
  ON j.id = t.id
WHERE
  (
    t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    t.type = 'STATUSCHANGE'
    AND NOT t.sent_by_id IS NULL
    AND NOT COALESCE(t.filtered_event, FALSE)
    AND j.portal_subscription_status = 'UNSUBSCRIBED'
  )
GROUP BY
  1
