/**
 * Every text a person reads: SMS jobs, warnings, alerts and notices, in Chinese (zh-CN) with times
 * in the operator's local time (Asia/Shanghai by default). Pure: no I/O.
 */
import type { Customer } from './request';

/** 2026-11-22 14:05 in the given UTC offset (minutes), without a time-zone library: deterministic in workflows. */
export function localTime(isoTime: string, utcOffsetMinutes = 480): string {
  const d = new Date(Date.parse(isoTime) + utcOffsetMinutes * 60_000);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/** R4: the job SMS carries the fault description, the customer's address and phone number. */
export function jobSmsText(job: { requestId: string; label: string; severity?: string; description: string; customer: Customer }): string {
  const major = job.severity === 'major' ? '【重大故障】' : '';
  return `[${job.requestId}] ${major}${job.label}：${job.description}。客户 ${job.customer.name}，地址 ${job.customer.address}，电话 ${job.customer.phone}。请在规定时限内联系客户（R6）。`;
}

export function cancelJobText(requestId: string, reason: string): string {
  return `[${requestId}] 此工单已不由您处理（${reason}），请勿上门。`;
}

export function warningText(n: { requestId: string; rule: string; description: string; deadline: string; offset: number }): string {
  return `[${n.requestId}] 提醒：${n.description}（${n.rule}）将于 ${localTime(n.deadline, n.offset)} 到期，请抓紧处理。`;
}

export function breachText(n: { requestId: string; rule: string; description: string; deadline: string; offset: number; level: number; responsible?: string; recordId?: number }): string {
  const level = n.level > 1 ? `（第 ${n.level} 级督办）` : '';
  const record = n.recordId ? `，已登记责任追究记录 #${n.recordId}` : '';
  return `[${n.requestId}] 超时${level}：${n.description}（${n.rule}）时限 ${localTime(n.deadline, n.offset)} 已过。责任人：${n.responsible ?? '未指定'}${record}。`;
}

export function closingText(requestId: string, summary: string): string {
  return `[${requestId}] 已办结：${summary}。请将处理结果告知客户（R1）。`;
}

export function pauseOverdueText(requestId: string, since: string, hours: number, offset: number): string {
  return `[${requestId}] 不可抗力暂停自 ${localTime(since, offset)} 起已超过 ${hours} 小时，请决定是否恢复计时。`;
}
