// Messages of the 送信済みメール screen (features/mail); spread into ja.ts.
// Every key here must exist in mail.en.ts too.

export const mailJa = {
  sentMail: {
    navLabel: '送信済みメール',
    title: '送信済みメール',
    intro:
      'Platina が送ったお知らせのメールです（新しい順）。SMTP サーバーが設定されていないとき、またデモモードでは、メールは送らずにここに記録だけします。',
    notAllowed: '送信済みメールは管理者だけが見られます。',
    loading: '読み込み中…',
    loadFailed: '送信済みメールを読み込めませんでした。',
    notFound: 'このメールは見つかりません。',
    empty: 'まだメールはありません。',
    count: '{{count}} 通',
    sentAt: '送信日時',
    to: '宛先',
    subject: '件名',
    kindLabel: '種類',
    kind: { immediate: 'すぐに', digest: '1日のまとめ' },
    transportLabel: '送信',
    transport: { smtp: 'SMTP で送信', recorded: '記録のみ' },
    refused: '送信できず',
    messageId: 'Message-ID',
    smtpReply: 'SMTP サーバーの応答',
    error: '送れなかった理由',
    body: '本文',
    back: '送信済みメールの一覧へ',
  },
};
